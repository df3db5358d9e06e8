import { badRequest } from "../../errors.js";
import type { CallContext, ProviderConfig } from "../types.js";

/** us-east-1, eu-central-1, us-gov-west-1 … Nothing else reaches a hostname. */
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
export const DEFAULT_REGION = "us-east-1";

type Env = CallContext["env"];

export const endpointFor = (region: string) => `https://bedrock-runtime.${region}.amazonaws.com`;

/** The gateway's own region: config, then AWS_REGION / AWS_DEFAULT_REGION, then us-east-1. */
export function configuredRegion(config: ProviderConfig, env: Env): string {
  const region = (config.region as string | undefined) || env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION;
  if (!REGION.test(region)) {
    throw badRequest(`The gateway's AWS region "${region}" is not a valid region name (like us-east-1): fix providers.aws-bedrock.region or AWS_REGION.`, null, "provider_not_configured");
  }
  return region;
}

/** The region for one call: the client's x-aws-region header (checked strictly), else the gateway's. */
export function regionFor(ctx: Pick<CallContext, "clientHeaders" | "config" | "env">): string {
  const header = ctx.clientHeaders.get("x-aws-region");
  if (header !== null) {
    const region = header.trim();
    if (!REGION.test(region)) throw badRequest(`Invalid x-aws-region header: expected an AWS region name like "us-east-1".`, "x-aws-region", "invalid_region");
    return region;
  }
  return configuredRegion(ctx.config, ctx.env);
}
