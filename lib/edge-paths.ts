import type { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { ROUTES, type RouteDefinition } from '../lambdas/api-definition';

/**
 * The routes the stricter per-IP rate limit covers: every route ROUTES marks
 * with a `throttle` (POST /keys, POST /keys/{id}/rotate, and a token endpoint
 * once one is added with the marker), as WAF statements.
 */
export const strictRoutes = (routes: readonly RouteDefinition[] = ROUTES): RouteDefinition[] =>
  routes.filter((route) => route.throttle !== undefined);

/**
 * A route template as an anchored regular expression over the normalized,
 * lower-cased path: `{id}` is one segment, `{proxy+}` one or more; a trailing
 * slash is tolerated, so `/keys/` cannot slip past the limit `/keys` has.
 */
export function pathPattern(path: string): string {
  const segments = path
    .split('/')
    .slice(1)
    .map((segment) =>
      /^\{[^}]+\+\}$/.test(segment)
        ? '.+'
        : /^\{[^}]+\}$/.test(segment)
          ? '[^/]+'
          : segment.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    );
  return `^/${segments.join('/')}/?$`;
}

// The path is decoded, then normalized ("//keys", "/x/../keys"), then
// lower-cased before it is matched, so an encoded or oddly written path is
// counted like the plain one. (WAF text transformations:
// https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-transformation.html)
const PATH_TRANSFORMATIONS: CfnWebACL.TextTransformationProperty[] = [
  { priority: 0, type: 'URL_DECODE' },
  { priority: 1, type: 'NORMALIZE_PATH' },
  { priority: 2, type: 'LOWERCASE' },
];

function routeStatement(route: RouteDefinition): CfnWebACL.StatementProperty {
  return {
    andStatement: {
      statements: [
        {
          byteMatchStatement: {
            fieldToMatch: { method: {} },
            positionalConstraint: 'EXACTLY',
            searchString: route.method,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
        {
          regexMatchStatement: {
            fieldToMatch: { uriPath: {} },
            regexString: pathPattern(route.path),
            textTransformations: PATH_TRANSFORMATIONS,
          },
        },
      ],
    },
  };
}

/** The scope-down statement of the strict rule: any one of the throttled routes (an OR needs two or more). */
export function strictRoutesStatement(routes: readonly RouteDefinition[] = ROUTES): CfnWebACL.StatementProperty {
  const statements = strictRoutes(routes).map(routeStatement);
  const [first] = statements;
  if (first === undefined) throw new Error('No route in ROUTES has a throttle: the strict edge rate limit would cover nothing');
  return statements.length === 1 ? first : { orStatement: { statements } };
}
