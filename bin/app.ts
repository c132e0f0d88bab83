#!/usr/bin/env node
import { buildApp } from '../lib/app';
import { ConfigError } from '../lambdas/settings/config-error';

try {
  // Synthesized here rather than at exit, so a failed check at synth (a route
  // scope no route enforces, a cdk-nag finding) is reported like a bad setting.
  buildApp().app.synth();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  if (error instanceof Error && error.message.startsWith('Validation failed with the following errors')) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
