/**
 * An external check that could not give a verdict (timed out, refused, answered nonsense). Its
 * message names the check and the reason only: never the checked text, the upstream's body or a
 * credential, since it reaches the log and, with onError "closed", the caller.
 */
export class ExternalCheckError extends Error {
  constructor(
    readonly check: string,
    readonly reason: string,
  ) {
    super(`The ${check} guardrail check failed: ${reason}.`);
    this.name = "ExternalCheckError";
  }
}
