import { GatewayError } from "../../errors.js";
import type { Gateway } from "../../gateway.js";
import { resolveTargets, type Target } from "../../lifecycle/route.js";
import { chatAdapter, upstreamRequest } from "../../routes/chat-target.js";
import type { ChatCompletion, ChatRequest } from "../../types.js";
import type { ExternalVerdict, GuardCheck, GuardStage } from "../types.js";
import { ExternalCheckError } from "./errors.js";
import { DEFAULT_TIMEOUT_MS, sideCall, type SideCallContext } from "./side-call.js";

type JudgeCheck = Extract<GuardCheck, { type: "judge" }>;

/**
 * Llama Guard's prompt shape, so a Llama Guard model answers as trained and any other model can
 * follow it. `{role}` is "User" for the prompt, "Agent" for the answer; `{text}` the checked text.
 */
export const DEFAULT_JUDGE_PROMPT = `Task: Check if there is unsafe content in '{role}' messages in conversations according to our safety policy with the below categories.

<BEGIN CATEGORIES>
S1: Violent Crimes.
S2: Non-Violent Crimes.
S3: Sex Crimes.
S4: Child Exploitation.
S5: Defamation.
S6: Specialized Advice.
S7: Privacy.
S8: Intellectual Property.
S9: Indiscriminate Weapons.
S10: Hate.
S11: Self-Harm.
S12: Sexual Content.
S13: Elections.
S14: Code Interpreter Abuse.
<END CATEGORIES>

<BEGIN CONVERSATION>

{role}: {text}

<END CONVERSATION>

Provide your safety assessment for ONLY THE LAST {role} message in the above conversation:
- First line must read 'safe' or 'unsafe'.
- If unsafe, a second line must include a comma-separated list of violated categories.`;

const MAX_LABELS = 10;
const MAX_LABEL_CHARS = 40;

/** A configured model (an alias or provider/model) as the judge of the text: its first line "safe" or "unsafe". */
export async function judge(gw: Gateway, check: JudgeCheck, text: string, source: GuardStage, ctx: SideCallContext): Promise<ExternalVerdict> {
  const template = check.prompt ?? DEFAULT_JUDGE_PROMPT;
  if (!template.includes("{text}")) throw new ExternalCheckError("judge", "its prompt has no {text}");
  const role = source === "input" ? "User" : "Agent";
  // One pass, so a "{role}" inside the checked text stays as it is.
  const prompt = template.replace(/\{(role|text)\}/g, (_, name: string) => (name === "role" ? role : text));

  let targets: Target[];
  try {
    targets = resolveTargets(gw, check.model, new Headers());
  } catch (e) {
    if (e instanceof GatewayError) throw new ExternalCheckError("judge", `model "${check.model}" is not routable here`);
    throw e;
  }
  const { json, ctx: answered, state } = await sideCall(
    gw,
    targets,
    ctx,
    async (c) => {
      const chat = chatAdapter(c, "/v1/chat/completions");
      const body: ChatRequest = { model: c.model, messages: [{ role: "user", content: prompt }], temperature: 0, max_tokens: 20, stream: false };
      const built = await chat.request(body, c);
      return { req: upstreamRequest(c, built.path, built.body, false, built.headers, built.method), state: built.state };
    },
    check.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    "judge",
  );
  const chat = answered.provider.chat!;
  if (!chat.isAnswer(json)) throw new ExternalCheckError("judge", "the answer is not a chat completion");
  const completion = (chat.response ? chat.response(json, answered, state) : json) as ChatCompletion;
  return verdictOf(completion.choices?.[0]?.message?.content);
}

/** Lenient: the first non-empty line decides, the next one names the categories. */
function verdictOf(content: unknown): ExternalVerdict {
  const lines = typeof content === "string" ? content.split(/\r?\n/).map((l) => l.trim()).filter(Boolean) : [];
  const first = lines[0]?.toLowerCase() ?? "";
  if (first.startsWith("unsafe")) {
    const labels = (lines[1] ?? "").split(",").map((l) => l.trim()).filter(Boolean).slice(0, MAX_LABELS).map((l) => l.slice(0, MAX_LABEL_CHARS));
    return { flagged: true, labels };
  }
  if (first.startsWith("safe")) return { flagged: false, labels: [] };
  throw new ExternalCheckError("judge", "unparseable verdict");
}
