/**
 * Strait on AWS: the DynamoDB tables of core/store/dynamodb, the streaming Lambda function behind a
 * Function URL, its secret, its log group, and least-privilege IAM. `npx cdk deploy` builds the
 * function with the local esbuild (no Docker).
 */
import { AssetHashType, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { buildSync } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { lambdaOptions } from "../scripts/build.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export type Concern = "keys" | "cache" | "limits" | "usage" | "responses" | "logs";

interface TableSpec {
  sortKey: boolean;
  ttl: boolean;
  env: string;
  /** What the function may do on the table itself. */
  actions: string[];
  /** Global secondary indexes: each sorted by `ts`, carrying INDEX_ATTRIBUTES besides the keys. */
  indexes?: { name: string; partitionKey: string }[];
  /** What the function may do on those indexes. */
  indexActions?: string[];
}

/**
 * The store's tables (core/store/dynamodb/tables.ts) and the exact DynamoDB actions its code uses
 * on each (a TransactWriteItems is authorized as its Put/Delete items). test/infra checks both
 * against the store's sources. Analytics rows live in the usage table (core/store/dynamodb/analytics.ts).
 */
export const TABLES: Record<Concern, TableSpec> = {
  keys: { sortKey: false, ttl: false, env: "STRAIT_TABLE_KEYS", actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Scan"] },
  cache: { sortKey: false, ttl: true, env: "STRAIT_TABLE_CACHE", actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:BatchWriteItem"] },
  limits: { sortKey: false, ttl: true, env: "STRAIT_TABLE_LIMITS", actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"] },
  usage: { sortKey: true, ttl: false, env: "STRAIT_TABLE_USAGE", actions: ["dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:Scan"] },
  responses: { sortKey: true, ttl: true, env: "STRAIT_TABLE_RESPONSES", actions: ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"] },
  logs: {
    sortKey: false,
    ttl: true,
    env: "STRAIT_TABLE_LOGS",
    actions: ["dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchGetItem"],
    indexes: [
      { name: "byKey", partitionKey: "keyId" },
      { name: "byTime", partitionKey: "sh" },
    ],
    indexActions: ["dynamodb:Query"],
  },
};

/** The request log's indexes sort by this attribute and carry these besides the keys. */
export const INDEX_SORT_KEY = "ts";
export const INDEX_ATTRIBUTES = ["e", "bd"];

/** The attribute DynamoDB TTL deletes on (epoch seconds); the store checks expiry itself on read. */
export const TTL_ATTRIBUTE = "ttl";

export const BEDROCK_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "bedrock:Converse", "bedrock:ConverseStream"];

export interface GatewayStackProps extends StackProps {
  /** Explicit table names; unset ones are named by CloudFormation (unique per stack). */
  tableNames?: Partial<Record<Concern, string>>;
  /** MB; more memory is also more CPU. Default 1024. */
  memorySize?: number;
  /**
   * Default 15 minutes, Lambda's maximum: a long answer (Claude Code asks for up to 32,000 output
   * tokens) streams for many minutes, and it must fit. At least 10 seconds.
   */
  timeout?: Duration;
  /** Browser origins allowed by CORS (STRAIT_CORS_ORIGINS); unset = the gateway's default. */
  allowedOrigins?: string[];
  /** Keys, usage and logs tables and the secret. Default RETAIN: they hold what can't be rebuilt. */
  dataRemovalPolicy?: RemovalPolicy;
  /** Cache, limits and responses tables, and the log group. Default DESTROY: what they hold expires anyway. */
  ephemeralRemovalPolicy?: RemovalPolicy;
  /** Default one month. */
  logRetention?: logs.RetentionDays;
  /** Gateway config (providers, model aliases …), passed as STRAIT_CONFIG_JSON. No secrets here: they go in the secret. */
  gatewayConfig?: Record<string, unknown>;
  /** Extra plain environment variables for the function (no secrets). */
  environment?: Record<string, string>;
  /** Bedrock models the role may call; default every foundation model and inference profile in the account. */
  bedrockResources?: string[];
  /**
   * "bundled" (default): the AWS SDK clients the function uses are bundled, minified and
   * tree-shaken into the function's chunks. "external": left to the SDK copy in the Lambda runtime.
   * docs/performance.md ("Cold start") has the measurements behind the default.
   */
  sdk?: "bundled" | "external";
}

export class GatewayStack extends Stack {
  readonly tables: Record<Concern, dynamodb.Table>;
  readonly fn: lambda.Function;
  readonly url: lambda.FunctionUrl;
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: GatewayStackProps = {}) {
    super(scope, id, props);
    const timeout = props.timeout ?? Duration.minutes(15);
    if (!timeout.isUnresolved() && (timeout.toSeconds() < 10 || timeout.toSeconds() > 900)) {
      throw new Error(`timeout must be between 10 seconds and 15 minutes, got ${timeout.toHumanString()}`);
    }
    const memorySize = props.memorySize ?? 1024;
    const dataPolicy = props.dataRemovalPolicy ?? RemovalPolicy.RETAIN;
    const ephemeralPolicy = props.ephemeralRemovalPolicy ?? RemovalPolicy.DESTROY;

    /** `backup`: point-in-time recovery. `retained`: the data removal policy (and deletion protection when retained). */
    const table = (concern: Concern, { backup, retained }: { backup: boolean; retained: boolean }) => {
      const spec = TABLES[concern];
      const created = new dynamodb.Table(this, `${concern[0]!.toUpperCase()}${concern.slice(1)}Table`, {
        tableName: props.tableNames?.[concern],
        partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
        sortKey: spec.sortKey ? { name: "sk", type: dynamodb.AttributeType.STRING } : undefined,
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        timeToLiveAttribute: spec.ttl ? TTL_ATTRIBUTE : undefined,
        pointInTimeRecoverySpecification: backup ? { pointInTimeRecoveryEnabled: true } : undefined,
        deletionProtection: retained && dataPolicy === RemovalPolicy.RETAIN,
        removalPolicy: retained ? dataPolicy : ephemeralPolicy,
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
      });
      for (const index of spec.indexes ?? []) {
        created.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: INDEX_SORT_KEY, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.INCLUDE,
          nonKeyAttributes: INDEX_ATTRIBUTES,
        });
      }
      return created;
    };
    const durable = { backup: true, retained: true };
    const ephemeral = { backup: false, retained: false };
    this.tables = {
      keys: table("keys", durable),
      cache: table("cache", ephemeral),
      limits: table("limits", ephemeral),
      usage: table("usage", durable),
      responses: table("responses", ephemeral),
      // Kept like the other data, but no point-in-time recovery: entries expire, and backups of
      // request bodies would outlive their retention.
      logs: table("logs", { backup: false, retained: true }),
    };

    // The admin token is generated at deploy time; provider keys and gateway tokens are added by the operator.
    this.secret = new secretsmanager.Secret(this, "Secret", {
      description: "Strait gateway: STRAIT_ADMIN_TOKEN, STRAIT_GATEWAY_TOKENS and provider keys (OPENAI_API_KEY, ...), as one JSON object.",
      generateSecretString: { secretStringTemplate: "{}", generateStringKey: "STRAIT_ADMIN_TOKEN", passwordLength: 48, excludePunctuation: true },
      removalPolicy: dataPolicy,
    });

    const logGroup = new logs.LogGroup(this, "Logs", { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH, removalPolicy: ephemeralPolicy });

    const environment: Record<string, string> = {
      ...props.environment,
      STRAIT_STORE: "dynamodb",
      STRAIT_SECRET_ARN: this.secret.secretArn,
      ...Object.fromEntries((Object.keys(TABLES) as Concern[]).map((c) => [TABLES[c].env, this.tables[c].tableName])),
    };
    if (props.allowedOrigins?.length) environment.STRAIT_CORS_ORIGINS = props.allowedOrigins.join(",");
    if (props.gatewayConfig) environment.STRAIT_CONFIG_JSON = JSON.stringify(props.gatewayConfig);

    this.fn = new lambda.Function(this, "Function", {
      description: "Strait AI gateway (response streaming)",
      code: functionCode(props.sdk ?? "bundled"),
      handler: "index.streamHandler",
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout,
      logGroup,
      environment,
    });

    this.url = this.fn.addFunctionUrl({
      // The gateway authenticates every request itself (gateway tokens, virtual keys).
      authType: lambda.FunctionUrlAuthType.NONE,
      invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
    });

    // Least privilege: the exact actions the store uses, on its exact tables; no wildcards.
    for (const concern of Object.keys(TABLES) as Concern[]) {
      const spec = TABLES[concern];
      const arn = this.tables[concern].tableArn;
      this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: spec.actions, resources: [arn] }));
      if (spec.indexes?.length && spec.indexActions?.length) {
        this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: spec.indexActions, resources: spec.indexes.map((i) => `${arn}/index/${i.name}`) }));
      }
    }
    this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [this.secret.secretArn] }));
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: BEDROCK_ACTIONS,
        resources: props.bedrockResources ?? [
          "arn:aws:bedrock:*::foundation-model/*",
          `arn:aws:bedrock:*:${this.account}:inference-profile/*`,
          `arn:aws:bedrock:*:${this.account}:application-inference-profile/*`,
        ],
      }),
    );
    // Bedrock Guardrails: the `bedrock` guardrail check, and a Converse call's own guardrailConfig.
    this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ["bedrock:ApplyGuardrail"], resources: [`arn:aws:bedrock:*:${this.account}:guardrail/*`] }));

    new CfnOutput(this, "FunctionUrl", { value: this.url.url, description: "The gateway's URL" });
    new CfnOutput(this, "OpenAIBaseUrl", { value: `${this.url.url}v1`, description: "OPENAI_BASE_URL for any OpenAI client" });
    new CfnOutput(this, "SecretArn", { value: this.secret.secretArn, description: "Admin token and provider keys (JSON)" });
    new CfnOutput(this, "FunctionName", { value: this.fn.functionName });
    for (const concern of Object.keys(TABLES) as Concern[]) {
      new CfnOutput(this, `${concern[0]!.toUpperCase()}${concern.slice(1)}TableName`, { value: this.tables[concern].tableName });
    }
  }
}

/**
 * The function's folder — index.mjs and the chunks it imports on first use — built by the same
 * esbuild options as `npm run build` (scripts/build.mjs), so what the tests and the cold-start bench
 * measure is what gets deployed. NodejsFunction writes one file and cannot split, hence a plain
 * asset bundled locally; the image is required by the API and never pulled.
 */
function functionCode(sdk: "bundled" | "external"): lambda.Code {
  return lambda.Code.fromAsset(root, {
    // Hash what was built, not the source folder (node_modules included).
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: lambda.Runtime.NODEJS_22_X.bundlingImage,
      local: {
        tryBundle(outputDir: string) {
          buildSync({ ...lambdaOptions(sdk), outdir: outputDir });
          return true;
        },
      },
    },
  });
}
