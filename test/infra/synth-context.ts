/**
 * What the template tests synthesize with: the example Auth0 settings `npm run synth` uses, and no Lambda
 * bundles (test/infra/synth.test.ts builds those for real), plus the template's resource shape they read.
 */
export const EXAMPLE_AUTH0 = { auth0Domain: 'example.eu.auth0.com', auth0Audience: 'https://api.example.com' };
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
export const BASE_CONTEXT = { ...EXAMPLE_AUTH0, ...NO_BUNDLING };

export interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string[];
  DeletionPolicy?: string;
}
export type Resources = Record<string, Resource>;
