import type { ServerResponse } from 'node:http';
import { activatePage, DEV_NOTICE, escapeHtml, HTML_SECURITY_HEADERS, resultPage, sendHtml } from '../../../local/dev-idp/pages';

describe('escapeHtml', () => {
  it('escapes the five characters that matter, and nothing else', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
    expect(escapeHtml('BCDF-GHJK auth0|alice')).toBe('BCDF-GHJK auth0|alice');
  });
});

describe('activatePage', () => {
  it('is a form posting to /activate, with the development notice', () => {
    const page = activatePage('');
    expect(page).toContain(DEV_NOTICE);
    expect(page).toContain('Auth0');
    expect(page).toMatch(/<form[^>]+method="post"[^>]+action="\/activate"/);
    expect(page).toContain('name="user_code"');
    expect(page).toContain('name="user"');
    expect(page).toContain('value="approve"');
    expect(page).toContain('value="deny"');
    expect(page).not.toMatch(/<script/i);
  });

  it('fills in the user code, escaped and cut to 64 characters', () => {
    expect(activatePage('BCDF-GHJK')).toContain('value="BCDF-GHJK"');
    const hostile = activatePage('"><script>x</script>');
    expect(hostile).not.toContain('<script>');
    expect(hostile).toContain('value="&#34;&#62;&#60;script&#62;x&#60;/script&#62;"');
    expect(activatePage('B'.repeat(100))).toContain(`value="${'B'.repeat(64)}"`);
  });
});

describe('resultPage', () => {
  it('escapes the title and message, and links back only when asked', () => {
    const page = resultPage('<Approved>', 'signed in as <img src=x>');
    expect(page).toContain('<h1>&#60;Approved&#62;</h1>');
    expect(page).toContain('signed in as &#60;img src=x&#62;');
    expect(page).not.toContain('<img');
    expect(page).toContain(DEV_NOTICE);
    expect(page).not.toContain('href="/activate"');
    expect(resultPage('Not approved', 'Unknown code', true)).toContain('<a href="/activate">Try again</a>');
  });
});

describe('sendHtml', () => {
  it('sends the page with its length, no caching, a CSP without scripts and nosniff', () => {
    const written: { status?: number; headers?: Record<string, string | number>; body?: string } = {};
    const response = {
      writeHead: (status: number, headers: Record<string, string | number>) => Object.assign(written, { status, headers }),
      end: (body: string) => Object.assign(written, { body }),
    } as unknown as ServerResponse;
    sendHtml(response, 400, '<p>é</p>');
    expect(written.status).toBe(400);
    expect(written.body).toBe('<p>é</p>');
    expect(written.headers).toEqual({
      'content-type': 'text/html; charset=utf-8',
      'content-length': 9,
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
    });
    expect(HTML_SECURITY_HEADERS['content-security-policy']).not.toContain('script-src');
  });
});
