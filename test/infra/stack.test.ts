/**
 * The CDK stack, synthesized in-process and checked with aws-cdk-lib/assertions. Bundling is
 * skipped here (fast); synth.test.ts runs the real `cdk synth` with the local esbuild.
 */
import { App, Duration, RemovalPolicy } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { BEDROCK_ACTIONS, GatewayStack, INDEX_ATTRIBUTES, INDEX_SORT_KEY, TABLES, TTL_ATTRIBUTE, type Concern, type GatewayStackProps } from "../../infra/gateway-stack.js";
import { LOG_INDEX_ATTRIBUTES, TABLE_SCHEMAS, TTL_ATTRIBUTE as STORE_TTL_ATTRIBUTE } from "../../core/store/dynamodb/tables.js";

function synth(props: GatewayStackProps = {}): Template {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  return Template.fromStack(new GatewayStack(app, "Strait", { env: { account: "123456789012", region: "us-east-1" }, ...props }));
}

const CONCERNS: Concern[] = ["keys", "cache", "limits", "usage", "responses", "logs"];
const logicalId = (c: Concern) => `${c[0]!.toUpperCase()}${c.slice(1)}Table`;

let t: Template;
beforeAll(() => {
  t = synth();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function tableResource(template: Template, concern: Concern): { id: string } & Record<string, any> {
  const all = template.findResources("AWS::DynamoDB::Table");
  const id = Object.keys(all).find((k) => k.startsWith(logicalId(concern)));
  expect(id, `table ${concern}`).toBeDefined();
  return { id: id!, ...all[id!] };
}

describe("tables", () => {
  it("six on-demand tables with the store's key schema", () => {
    t.resourceCountIs("AWS::DynamoDB::Table", 6);
    expect(Object.keys(TABLE_SCHEMAS).sort()).toEqual([...CONCERNS].sort());
    const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) => (a.AttributeName! < b.AttributeName! ? -1 : 1);
    for (const c of CONCERNS) {
      const r = tableResource(t, c);
      expect(r.Properties.BillingMode).toBe("PAY_PER_REQUEST");
      expect(r.Properties.KeySchema).toEqual(TABLE_SCHEMAS[c].key);
      expect([...r.Properties.AttributeDefinitions].sort(byName)).toEqual([...TABLE_SCHEMAS[c].attributes].sort(byName));
    }
  });

  it("the logs table's indexes are the store's: byKey and byTime, sorted by ts, carrying the entry without bodies", () => {
    expect(INDEX_SORT_KEY).toBe("ts");
    expect(INDEX_ATTRIBUTES).toEqual(LOG_INDEX_ATTRIBUTES);
    const indexes = tableResource(t, "logs").Properties.GlobalSecondaryIndexes;
    expect(indexes).toEqual(
      TABLE_SCHEMAS.logs.indexes!.map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: LOG_INDEX_ATTRIBUTES } })),
    );
    expect(indexes.map((i: { IndexName: string }) => i.IndexName)).toEqual(["byKey", "byTime"]);
    for (const c of CONCERNS.filter((x) => x !== "logs")) expect(tableResource(t, c).Properties.GlobalSecondaryIndexes, c).toBeUndefined();
  });

  it("TTL on the expiry attribute for cache, limits, responses and logs, the same attribute the store writes", () => {
    expect(CONCERNS.filter((c) => TABLE_SCHEMAS[c].ttl)).toEqual(["cache", "limits", "responses", "logs"]);
    expect(TTL_ATTRIBUTE).toBe(STORE_TTL_ATTRIBUTE);
    for (const c of CONCERNS) {
      const spec = tableResource(t, c).Properties.TimeToLiveSpecification;
      if (TABLE_SCHEMAS[c].ttl) expect(spec).toEqual({ AttributeName: STORE_TTL_ATTRIBUTE, Enabled: true });
      else expect(spec).toBeUndefined();
    }
  });

  it("keys (and usage): point-in-time recovery, deletion protection, retained", () => {
    for (const c of ["keys", "usage"] as const) {
      const r = tableResource(t, c);
      expect(r.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(r.Properties.DeletionProtectionEnabled).toBe(true);
      expect(r.DeletionPolicy).toBe("Retain");
      expect(r.UpdateReplacePolicy).toBe("Retain");
    }
    for (const c of ["cache", "limits", "responses"] as const) {
      const r = tableResource(t, c);
      expect(r.Properties.PointInTimeRecoverySpecification).toBeUndefined();
      expect(r.DeletionPolicy).toBe("Delete");
    }
  });

  it("logs: retained like the other data, deletion protection, but no point-in-time recovery", () => {
    const r = tableResource(t, "logs");
    expect(r.Properties.PointInTimeRecoverySpecification).toBeUndefined();
    expect(r.Properties.DeletionProtectionEnabled).toBe(true);
    expect(r.DeletionPolicy).toBe("Retain");
    expect(r.UpdateReplacePolicy).toBe("Retain");
  });

  it("table names and removal policies come from props", () => {
    const t2 = synth({ tableNames: { keys: "acme-keys" }, dataRemovalPolicy: RemovalPolicy.DESTROY, ephemeralRemovalPolicy: RemovalPolicy.RETAIN });
    const keys = tableResource(t2, "keys");
    expect(keys.Properties.TableName).toBe("acme-keys");
    expect(keys.DeletionPolicy).toBe("Delete");
    expect(keys.Properties.DeletionProtectionEnabled).toBe(false);
    expect(tableResource(t2, "cache").DeletionPolicy).toBe("Retain");
    expect(tableResource(t2, "responses").DeletionPolicy).toBe("Retain");
    expect(tableResource(t2, "logs").DeletionPolicy).toBe("Delete");
    expect(tableResource(t2, "logs").Properties.DeletionProtectionEnabled).toBe(false);
  });
});

describe("function", () => {
  it("Node.js 22 on arm64, the streaming handler, Lambda's longest timeout by default, memory", () => {
    t.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "index.streamHandler",
      Timeout: 900,
      MemorySize: 1024,
    });
    const t2 = synth({ timeout: Duration.minutes(5), memorySize: 2048 });
    t2.hasResourceProperties("AWS::Lambda::Function", { Timeout: 300, MemorySize: 2048 });
    expect(() => synth({ timeout: Duration.minutes(16) })).toThrow(/15 minutes/);
    expect(() => synth({ timeout: Duration.seconds(5) })).toThrow(/10 seconds/);
  });

  it("a plain Lambda function whose code is one zipped asset folder (index.mjs and its chunks)", () => {
    const fns = Object.values(t.findResources("AWS::Lambda::Function"));
    expect(fns).toHaveLength(1);
    expect(fns[0]!.Properties.Code.S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
  });

  it("environment: store, table names, secret ARN; origins and config from props", () => {
    const fn = Object.values(t.findResources("AWS::Lambda::Function"))[0]!;
    const env = fn.Properties.Environment.Variables;
    expect(env.STRAIT_STORE).toBe("dynamodb");
    for (const c of CONCERNS) expect(env[TABLES[c].env]).toEqual({ Ref: tableResource(t, c).id });
    expect(env.STRAIT_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/^Secret/) });
    expect(env.STRAIT_CORS_ORIGINS).toBeUndefined();
    const t2 = synth({ allowedOrigins: ["https://a.example", "https://b.example"], gatewayConfig: { defaultProvider: "openai" } });
    t2.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ STRAIT_CORS_ORIGINS: "https://a.example,https://b.example", STRAIT_CONFIG_JSON: '{"defaultProvider":"openai"}' }) },
    });
  });

  it("the env names are the ones the store reads", () => {
    const src = readFileSync("core/store/dynamodb/tables.ts", "utf8");
    for (const c of CONCERNS) expect(src).toContain(TABLES[c].env);
  });

  it("a Function URL in RESPONSE_STREAM mode, auth NONE, publicly invokable through the URL only", () => {
    t.hasResourceProperties("AWS::Lambda::Url", { AuthType: "NONE", InvokeMode: "RESPONSE_STREAM" });
    t.hasResourceProperties("AWS::Lambda::Permission", { Action: "lambda:InvokeFunctionUrl", Principal: "*", FunctionUrlAuthType: "NONE" });
    t.hasResourceProperties("AWS::Lambda::Permission", { Action: "lambda:InvokeFunction", Principal: "*", InvokedViaFunctionUrl: true });
  });

  it("log retention on its own log group", () => {
    t.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
  });

  it("a secret with a generated admin token", () => {
    t.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: "{}", GenerateStringKey: "STRAIT_ADMIN_TOKEN" }),
    });
  });

  it("outputs: URL, OpenAI base URL, table names, secret ARN", () => {
    const outputs = t.findOutputs("*");
    for (const k of ["FunctionUrl", "OpenAIBaseUrl", "SecretArn", "KeysTableName", "CacheTableName", "LimitsTableName", "UsageTableName", "ResponsesTableName", "LogsTableName"]) {
      expect(outputs[k], k).toBeDefined();
    }
  });
});

describe("IAM: least privilege", () => {
  const statements = () => {
    const policies = Object.values(t.findResources("AWS::IAM::Policy"));
    expect(policies).toHaveLength(1);
    return policies[0]!.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown; Effect: string }>;
  };
  const actionsOf = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

  it("each table gets exactly the store's actions, on its own ARN only; the logs indexes Query only", () => {
    for (const c of CONCERNS) {
      const arn = { "Fn::GetAtt": [tableResource(t, c).id, "Arn"] };
      const onTable = statements().filter((s) => JSON.stringify(s.Resource).includes(tableResource(t, c).id));
      expect(onTable, c).toHaveLength(c === "logs" ? 2 : 1);
      expect(onTable[0]!.Resource).toEqual(arn);
      expect(actionsOf(onTable[0]!).sort()).toEqual([...TABLES[c].actions].sort());
    }
    const logs = statements().filter((s) => JSON.stringify(s.Resource).includes(tableResource(t, "logs").id));
    expect(actionsOf(logs[1]!)).toEqual(["dynamodb:Query"]);
    const indexArn = (name: string) => ({ "Fn::Join": ["", [{ "Fn::GetAtt": [tableResource(t, "logs").id, "Arn"] }, `/index/${name}`]] });
    expect(logs[1]!.Resource).toEqual([indexArn("byKey"), indexArn("byTime")]);
    expect(TABLES.logs.actions).not.toContain("dynamodb:Query");
    expect(TABLES.logs.actions).not.toContain("dynamodb:Scan");
  });

  it("no wildcard DynamoDB action or resource anywhere", () => {
    for (const s of statements()) {
      for (const a of actionsOf(s)) expect(a).not.toMatch(/^dynamodb:.*\*/);
      if (actionsOf(s).some((a) => a.startsWith("dynamodb:"))) expect(JSON.stringify(s.Resource)).not.toContain('"*"');
    }
  });

  it("the table actions cover every DynamoDB command the store's code sends to that table", () => {
    const commandAction: Record<string, string[]> = {
      GetCommand: ["dynamodb:GetItem"],
      PutCommand: ["dynamodb:PutItem"],
      DeleteCommand: ["dynamodb:DeleteItem"],
      UpdateCommand: ["dynamodb:UpdateItem"],
      QueryCommand: ["dynamodb:Query"],
      ScanCommand: ["dynamodb:Scan"],
      BatchGetCommand: ["dynamodb:BatchGetItem"],
      BatchWriteCommand: ["dynamodb:BatchWriteItem"],
    };
    // Analytics rows live in the usage table.
    const sources: Record<Concern, string[]> = { keys: ["keys"], cache: ["cache"], limits: ["limits"], usage: ["usage", "analytics"], responses: ["responses"], logs: ["logs"] };
    for (const c of CONCERNS) {
      // A shared helper's commands count for the files that call it (batch.ts: BatchWriteItem).
      const read = (f: string) => readFileSync(`core/store/dynamodb/${f}.ts`, "utf8");
      const src = sources[c].map((f) => (read(f).includes('from "./batch.js"') ? `${read(f)}\n${read("batch")}` : read(f))).join("\n");
      const needed = new Set<string>();
      for (const m of src.matchAll(/new (\w+Command)\(/g)) {
        if (m[1] === "TransactWriteCommand") {
          // Authorized per item: Put, Delete, Update, ConditionCheck.
          if (/\bPut:\s*\{/.test(src)) needed.add("dynamodb:PutItem");
          if (/\bDelete:\s*\{/.test(src)) needed.add("dynamodb:DeleteItem");
          if (/\bUpdate:\s*\{/.test(src)) needed.add("dynamodb:UpdateItem");
          if (/\bConditionCheck:\s*\{/.test(src)) needed.add("dynamodb:ConditionCheckItem");
          continue;
        }
        const actions = commandAction[m[1]!];
        expect(actions, `${c}: unknown command ${m[1]}`).toBeDefined();
        for (const a of actions!) needed.add(a);
      }
      expect([...needed].sort(), c).toEqual([...TABLES[c].actions, ...(TABLES[c].indexActions ?? [])].sort());
    }
  });

  it("Bedrock: invoke and converse (streamed or not) on models and inference profiles only", () => {
    const s = statements().find((x) => actionsOf(x).some((a) => a.startsWith("bedrock:Invoke")))!;
    expect(actionsOf(s).sort()).toEqual([...BEDROCK_ACTIONS].sort());
    expect(JSON.stringify(s.Resource)).toContain("arn:aws:bedrock:*::foundation-model/*");
    expect(s.Resource).not.toContain("*");
  });

  it("Bedrock Guardrails: ApplyGuardrail on the account's guardrails only", () => {
    const s = statements().find((x) => actionsOf(x).includes("bedrock:ApplyGuardrail"))!;
    expect(actionsOf(s)).toEqual(["bedrock:ApplyGuardrail"]);
    expect(JSON.stringify(s.Resource)).toContain(":guardrail/*");
  });

  it("the secret: GetSecretValue on that secret only", () => {
    const s = statements().find((x) => actionsOf(x).some((a) => a.startsWith("secretsmanager:")))!;
    expect(actionsOf(s)).toEqual(["secretsmanager:GetSecretValue"]);
    expect(s.Resource).toEqual({ Ref: expect.stringMatching(/^Secret/) });
  });
});
