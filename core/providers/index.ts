import { bedrockProvider } from "./bedrock/index.js";
import { anthropicProvider } from "./anthropic/index.js";
import { azureOpenAIProvider } from "./azure-openai.js";
import { geminiProvider } from "./gemini/index.js";
import { mockProvider } from "./mock.js";
import { openAICompatibleProviders } from "./openai-compatible.js";
import type { Provider } from "./types.js";

/** Every provider the gateway knows by id. Native translators add one line here. */
export const builtinProviders: readonly Provider[] = [...openAICompatibleProviders, bedrockProvider, anthropicProvider, geminiProvider, azureOpenAIProvider, mockProvider];
