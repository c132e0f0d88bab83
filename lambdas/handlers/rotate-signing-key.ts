import type { KeyRotation, RotationEvent } from '../signing/key-rotation';

/** Secrets Manager invokes this once per rotation step with `{ SecretId, ClientRequestToken, Step }`; a throw fails the step (it retries). */
export function createRotateSigningKeyHandler(rotation: Pick<KeyRotation, 'run'>) {
  return async (event: RotationEvent): Promise<void> => {
    await rotation.run(event);
  };
}
