#!/usr/bin/env node
import { buildApp } from '../lib/app';
import { StackConfigError } from '../lib/stack-config';

try {
  buildApp();
} catch (error) {
  if (error instanceof StackConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
