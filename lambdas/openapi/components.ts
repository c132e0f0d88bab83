import { createKeySchema } from '../domain/create-key-request';
import { rotateKeySchema, updateKeySchema } from '../domain/change-key-requests';
import {
  adminKeyPageSchema,
  createdKeySchema,
  errorBodySchema,
  eventPageSchema,
  gatewayErrorSchema,
  healthSchema,
  jwksSchema,
  keyPageSchema,
  keyViewSchema,
  leakFeedbackSchema,
  oauthErrorSchema,
  openApiDocumentSchema,
  revokedCountSchema,
  rotatedKeySchema,
  tokenGrantSchema,
  webhookResultsSchema,
  whoamiSchema,
} from '../http/response-schemas';
import { edgeErrorSchema } from './edge-answers';
import { auth0EventsSchema, leakReportSchema, tokenRequestSchema } from './request-schemas';

/**
 * The document's named schemas (`#/components/schemas/<name>`). Requests are converted as a client sends them
 * (zod's `io: 'input'`: before defaults and trims), answers as the handlers produce them (`io: 'output'`).
 */
export const REQUEST_SCHEMAS = {
  CreateKeyRequest: createKeySchema,
  UpdateKeyRequest: updateKeySchema,
  RotateKeyRequest: rotateKeySchema,
  TokenRequest: tokenRequestSchema,
  SecretScanningAlert: leakReportSchema,
  Auth0Events: auth0EventsSchema,
} as const;

export const RESPONSE_SCHEMAS = {
  KeyView: keyViewSchema,
  KeyPage: keyPageSchema,
  AdminKeyPage: adminKeyPageSchema,
  CreatedKey: createdKeySchema,
  RotatedKey: rotatedKeySchema,
  EventPage: eventPageSchema,
  RevokedCount: revokedCountSchema,
  Health: healthSchema,
  Whoami: whoamiSchema,
  Jwks: jwksSchema,
  TokenGrant: tokenGrantSchema,
  OAuthError: oauthErrorSchema,
  SecretScanningFeedback: leakFeedbackSchema,
  Auth0EventResults: webhookResultsSchema,
  OpenApiDocument: openApiDocumentSchema,
  Error: errorBodySchema,
  GatewayError: gatewayErrorSchema,
  EdgeError: edgeErrorSchema,
} as const;

export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;
export type ResponseSchemaName = keyof typeof RESPONSE_SCHEMAS;
