import { ConfigError } from '../lambdas/settings/config-error';
import type { SettingsFor } from '../lambdas/settings/schema';
import { EDGE_DEFAULTS, EDGE_SETTING_NAMES, type EdgeSettingName } from '../lambdas/settings/sections/edge';

/** The edge settings as the stack read them (unset ones undefined). */
export type EdgeSettings = Pick<SettingsFor<'stack'>, EdgeSettingName>;

/** Mutual TLS between CloudFront and the origin domain: what closes the origin to everyone else. */
export interface OriginMtls {
  /** us-east-1 ACM ARN of the client certificate CloudFront presents. */
  readonly clientCertificateArn: string;
  readonly truststoreBucket: string;
  readonly truststoreKey: string;
}

/** The front door, checked and with defaults applied; undefined when `edge` is off. */
export interface EdgeConfig {
  readonly originDomainName: string;
  readonly originCertificateArn: string;
  /** The viewer-facing name and its us-east-1 certificate, when the operator has one. */
  readonly viewer?: { readonly domainName: string; readonly certificateArn: string } | undefined;
  readonly originMtls?: OriginMtls | undefined;
  /** Requests per client IP per 5 minutes. */
  readonly rateLimit: number;
  readonly keyCreationRateLimit: number;
}

/** Splits what `loadStackConfig` read into the edge settings and the rest (the construct's props). */
export function splitEdgeSettings<T extends EdgeSettings>(settings: T): { edge: EdgeSettings; rest: Omit<T, EdgeSettingName> } {
  const edge: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(settings)) ((EDGE_SETTING_NAMES as string[]).includes(name) ? edge : rest)[name] = value;
  return { edge: edge as EdgeSettings, rest: rest as Omit<T, EdgeSettingName> };
}

/**
 * The rules that tie the edge settings together: each needs `edge`, the origin
 * domain and its certificate are required with it, a domain name and its
 * certificate come together, and so do the two halves of origin mutual TLS.
 * Regions are checked where the stack's region is known (lib/key-edge.ts).
 */
export function resolveEdgeConfig(settings: EdgeSettings): EdgeConfig | undefined {
  if (!settings.edge) {
    const stray = EDGE_SETTING_NAMES.find((name) => name !== 'edge' && settings[name] !== undefined);
    if (stray !== undefined) throw new ConfigError(stray, { detail: 'applies only with edge=true (README "Edge")' });
    return undefined;
  }
  const originDomainName = required(settings, 'edgeOriginDomainName');
  const originCertificateArn = required(settings, 'edgeOriginCertificateArn');
  together(settings, 'edgeDomainName', 'edgeCertificateArn');
  together(settings, 'edgeOriginClientCertificateArn', 'edgeOriginTruststoreUri');
  if (settings.edgeDomainName !== undefined && settings.edgeDomainName === originDomainName) {
    throw new ConfigError('edgeDomainName', { detail: 'must differ from edgeOriginDomainName (clients call one, CloudFront the other)' });
  }
  const rateLimit = settings.edgeRateLimit ?? EDGE_DEFAULTS.rateLimit;
  const keyCreationRateLimit = settings.edgeKeyCreationRateLimit ?? Math.min(EDGE_DEFAULTS.keyCreationRateLimit, rateLimit);
  if (keyCreationRateLimit > rateLimit) {
    throw new ConfigError('edgeKeyCreationRateLimit', {
      detail: `must be at most edgeRateLimit (${rateLimit}), got ${keyCreationRateLimit}`,
    });
  }
  return {
    originDomainName,
    originCertificateArn,
    viewer:
      settings.edgeDomainName !== undefined && settings.edgeCertificateArn !== undefined
        ? { domainName: settings.edgeDomainName, certificateArn: settings.edgeCertificateArn }
        : undefined,
    originMtls:
      settings.edgeOriginClientCertificateArn !== undefined && settings.edgeOriginTruststoreUri !== undefined
        ? { clientCertificateArn: settings.edgeOriginClientCertificateArn, ...s3Location(settings.edgeOriginTruststoreUri) }
        : undefined,
    rateLimit,
    keyCreationRateLimit,
  };
}

function required(settings: EdgeSettings, name: 'edgeOriginDomainName' | 'edgeOriginCertificateArn'): string {
  const value = settings[name];
  if (value === undefined) {
    throw new ConfigError(name, {
      missing: true,
      hint: `Set ${name} with edge=true: cdk deploy -c ${name}=... (the execute-api endpoint is off, so CloudFront needs the API's own domain; README "Edge")`,
    });
  }
  return value;
}

function together(settings: EdgeSettings, a: EdgeSettingName, b: EdgeSettingName): void {
  if ((settings[a] === undefined) !== (settings[b] === undefined)) {
    const [given, missing] = settings[a] === undefined ? [b, a] : [a, b];
    throw new ConfigError(missing, { missing: true, hint: `Set ${missing} too: ${given} needs it (README "Edge")` });
  }
}

/** `s3://bucket/path/key.pem` → bucket and key (the kind's pattern has checked the shape). */
function s3Location(uri: string): { truststoreBucket: string; truststoreKey: string } {
  const [, truststoreBucket = '', truststoreKey = ''] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) ?? [];
  return { truststoreBucket, truststoreKey };
}
