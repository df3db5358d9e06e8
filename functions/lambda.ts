/**
 * AWS Lambda entry. Two handlers over one lazily built gateway:
 *   streamHandler  Function URL with InvokeMode RESPONSE_STREAM (what infra/ deploys): tokens reach
 *                  the client as the upstream sends them.
 *   handler        buffered, for API Gateway (REST / HTTP API) and ALB, which cannot stream.
 * Module scope only wires things up; secrets, config, store and app are built on the first invoke.
 */
import { jsonLogger, logLevelFrom } from "./node/logger.js";
import { createLambdaGateway, lambdaHandlers } from "./lambda/handler.js";
import { lambdaStore } from "./lambda/store.js";

export const { streamHandler, handler } = lambdaHandlers(
  createLambdaGateway({
    env: process.env,
    log: jsonLogger(logLevelFrom(process.env.STRAIT_LOG_LEVEL)),
    store: lambdaStore,
  }),
);
