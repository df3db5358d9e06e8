export type StreamFormat = "openai-chat" | "openai-completions" | "anthropic" | "responses" | "gemini" | "bedrock" | "raw";

export function createAssembler(_format: StreamFormat, maxBytes: number) {
  const parts: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  return {
    push(chunk: Uint8Array) {
      if (size >= maxBytes) {
        truncated = true;
        return;
      }
      parts.push(chunk);
      size += chunk.length;
    },
    result(): { body: string; truncated: boolean } {
      const all = new Uint8Array(size);
      let o = 0;
      for (const p of parts) all.set(p, (o += p.length) - p.length);
      return { body: new TextDecoder().decode(all.subarray(0, maxBytes)), truncated: truncated || size > maxBytes };
    },
  };
}
