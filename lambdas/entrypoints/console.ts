import { createConsoleHandler } from '../handlers/console';
import { lambdaConsoleDependencies } from '../runtime/console-wiring';

export const handler = createConsoleHandler(lambdaConsoleDependencies());
