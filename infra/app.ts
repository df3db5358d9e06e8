/**
 * The CDK app (cdk.json runs it with tsx). Settings come from context, e.g.
 *   npx cdk deploy -c memorySize=2048 -c timeoutSeconds=900 -c allowedOrigins=https://app.example.com
 * Keys: stackName, tablePrefix, memorySize, timeoutSeconds, allowedOrigins (comma list),
 * dataRemovalPolicy / ephemeralRemovalPolicy (retain|destroy|snapshot), logRetentionDays,
 * configFile (gateway JSON config, no secrets), sdk (bundled|external).
 */
import { App, Duration, RemovalPolicy } from "aws-cdk-lib";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { readFileSync } from "node:fs";
import { GatewayStack, type GatewayStackProps } from "./gateway-stack.js";

export function propsFromContext(app: App): GatewayStackProps & { stackName: string } {
  const ctx = (key: string): string | undefined => {
    const v = app.node.tryGetContext(key);
    return v === undefined || v === null || v === "" ? undefined : String(v);
  };
  const num = (key: string): number | undefined => {
    const v = ctx(key);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`context ${key} must be a positive number, got "${v}"`);
    return n;
  };
  const policy = (key: string): RemovalPolicy | undefined => {
    const v = ctx(key)?.toLowerCase();
    if (v === undefined) return undefined;
    const map: Record<string, RemovalPolicy> = { retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY, snapshot: RemovalPolicy.SNAPSHOT };
    if (!map[v]) throw new Error(`context ${key} must be retain, destroy or snapshot, got "${v}"`);
    return map[v];
  };
  const prefix = ctx("tablePrefix");
  const sdk = ctx("sdk");
  if (sdk && sdk !== "bundled" && sdk !== "external") throw new Error(`context sdk must be bundled or external, got "${sdk}"`);
  const configFile = ctx("configFile");
  const timeoutSeconds = num("timeoutSeconds");
  return {
    stackName: ctx("stackName") ?? "Strait",
    tableNames: prefix
      ? { keys: `${prefix}keys`, cache: `${prefix}cache`, limits: `${prefix}limits`, usage: `${prefix}usage`, responses: `${prefix}responses`, logs: `${prefix}logs` }
      : undefined,
    memorySize: num("memorySize"),
    timeout: timeoutSeconds ? Duration.seconds(timeoutSeconds) : undefined,
    allowedOrigins: ctx("allowedOrigins")?.split(",").map((o) => o.trim()).filter(Boolean),
    dataRemovalPolicy: policy("dataRemovalPolicy"),
    ephemeralRemovalPolicy: policy("ephemeralRemovalPolicy"),
    logRetention: num("logRetentionDays") as RetentionDays | undefined,
    gatewayConfig: configFile ? JSON.parse(readFileSync(configFile, "utf8")) : undefined,
    sdk: sdk as GatewayStackProps["sdk"],
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  };
}

const app = new App();
const props = propsFromContext(app);
new GatewayStack(app, props.stackName, props);
app.synth();
