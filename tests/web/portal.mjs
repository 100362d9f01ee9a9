// portal.mjs - the portal end to end in a real headless Chromium: it drives
// the page itself (web/static: clicks, typed inputs, accepted dialogs) with a
// CDP virtual authenticator for passkeys and oathtool for codes, and checks
// each step both on the page and in the store (mfactl). One "ok SUITE/NAME"
// or "not ok SUITE/NAME" line a step, for tests/run; the first failing step
// ends the run, since every later one builds on it.
//
// usage: node portal.mjs --url http://localhost:PORT --mfactl PATH --config FILE
//                        --user USER --secret BASE32 [--suite NAME] [--shots DIR]
//                        [--chromium PATH]
// The password comes from the environment (PORTAL_PASSWORD), not the command
// line. --shots DIR: PNG screenshots for the docs are written there.
// Exit status: 0 every step passed, 1 a step failed, 2 usage error.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { createRequire } from 'node:module';

// playwright-core lives with the WebAuthn harness (tests/webauthn/browser):
// one npm dependency for both.
const require = createRequire(new URL('../webauthn/browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const WAIT_MS = 10000;        // any one thing on the page
const STEP_MS = 30000;        // a whole step
const RUN_MS = 100000;        // everything (the shell allows 120 s)
const CMD_MS = 15000;         // mfactl, oathtool

const USAGE = 'usage: node portal.mjs --url URL --mfactl PATH --config FILE --user USER --secret BASE32\n' +
	'                      [--suite NAME] [--shots DIR] [--chromium PATH]';

function parseArgs(argv) {
	const a = { suite: 'web', shots: null, chromium: '/usr/bin/chromium' };
	const valued = ['--url', '--mfactl', '--config', '--user', '--secret', '--suite', '--shots', '--chromium'];
	for (let i = 0; i < argv.length; i++) {
		if (!valued.includes(argv[i]) || i + 1 >= argv.length) {
			process.stderr.write(`portal.mjs: bad argument '${argv[i]}'\n${USAGE}\n`);
			process.exit(2);
		}
		a[argv[i].slice(2)] = argv[++i];
	}
	for (const k of ['url', 'mfactl', 'config', 'user', 'secret'])
		if (!a[k]) { process.stderr.write(`portal.mjs: --${k} is required\n${USAGE}\n`); process.exit(2); }
	a.password = process.env.PORTAL_PASSWORD;
	if (!a.password) { process.stderr.write('portal.mjs: set PORTAL_PASSWORD\n'); process.exit(2); }
	return a;
}
const args = parseArgs(process.argv.slice(2));

class StepError extends Error {}
const log = (msg) => process.stderr.write(`portal.mjs: ${msg}\n`);
function check(cond, msg) { if (!cond) throw new StepError(msg); }

function withTimeout(promise, ms, what) {
	let timer;
	const t = new Promise((_, reject) => {
		timer = setTimeout(() => reject(new StepError(`${what}: not done within ${ms / 1000} s`)), ms);
	});
	return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

// cmd(file, argv): runs it to the end (killed after CMD_MS); {code, out, err}.
function cmd(file, argv) {
	const r = spawnSync(file, argv, { encoding: 'utf8', timeout: CMD_MS, killSignal: 'SIGKILL' });
	if (r.error) throw new StepError(`${file} ${argv.join(' ')}: ${r.error.message}`);
	return { code: r.status, out: r.stdout, err: r.stderr };
}
function mfactl(...words) {
	const r = cmd(args.mfactl, ['--config', args.config, ...words]);
	check(r.code === 0, `mfactl ${words.join(' ')} exited ${r.code}: ${r.err.trim()}`);
	return r.out;
}
const stored = () => JSON.parse(mfactl('list', args.user, '--json'));
// totp(secret, steps): the code of now, or that many 30 s steps later.
function totp(secret, steps = 0) {
	const at = Math.floor(Date.now() / 1000) + 30 * steps;
	const r = cmd('oathtool', ['--totp', '-b', '-N', `@${at}`, secret]);
	check(r.code === 0 && /^\d{6}$/.test(r.out.trim()), `oathtool: ${r.err.trim() || r.out}`);
	return r.out.trim();
}

// until(fn, what): polls fn (sync or async) until it returns a truthy value.
async function until(fn, what, ms = WAIT_MS) {
	const end = Date.now() + ms;
	let last;
	for (;;) {
		try { last = await fn(); if (last) return last; } catch (e) { last = e.message; }
		if (Date.now() > end) throw new StepError(`${what}: not within ${ms / 1000} s (last: ${last})`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

// Dialogs: each step says which one it expects and what to answer; any
// other is dismissed and fails the run.
const dialogsDue = [];
let dialogSurprise = null;
function expectDialog(type, match, answer) { dialogsDue.push({ type, match, answer }); }
function onDialog(d) {
	const due = dialogsDue.shift();
	if (!due || due.type !== d.type() || !due.match.test(d.message())) {
		dialogSurprise = `unexpected ${d.type()} dialog: '${d.message()}'`;
		return d.dismiss().catch(() => {});
	}
	return (due.answer === null ? d.dismiss() : d.accept(due.answer)).catch(() => {});
}
function dialogsDone() {
	check(!dialogSurprise, dialogSurprise);
	check(dialogsDue.length === 0, `dialog never shown: ${dialogsDue.map((d) => d.match).join(', ')}`);
}

const pageErrors = [];
let browser = null, page = null, cdp = null, authenticatorId = null;

const text = (sel, p = page) => p.locator(sel).innerText({ timeout: WAIT_MS });
const visible = (sel, p = page) => p.locator(sel).isVisible();
async function shown(sel, p = page) {
	await p.locator(sel).waitFor({ state: 'visible', timeout: WAIT_MS });
}
// message(re): #message, once it matches (the server's words or the page's).
async function message(re, p = page) {
	return until(async () => { const m = await text('#message', p); return re.test(m) && m; },
		`#message to match ${re}`);
}
async function factorNames(p = page) {
	return p.locator('#factors li .name').allInnerTexts();
}
// shot(name, last, first): the page from the top (or from section first) to
// the end of section last, for the docs; small enough to commit.
async function shot(name, last, first = null) {
	if (!args.shots) return;
	const box = async (sel) => page.locator(sel).boundingBox({ timeout: WAIT_MS });
	const top = first ? Math.max(0, (await box(first)).y - 16) : 0, end = await box(last);
	const clip = { x: 0, y: top, width: 900, height: Math.ceil(end.y + end.height + 16 - top) };
	await page.screenshot({ path: join(args.shots, name), fullPage: true, clip, timeout: WAIT_MS });
	log(`screenshot ${join(args.shots, name)}`);
}

async function signInPassword(p = page) {
	await shown('#view-signin', p);
	await p.fill('#user', args.user);
	await p.fill('#password', args.password);
	await p.click('#form-password button[type=submit]');
	await shown('#view-factor', p);
}
async function signInCode(code, p = page) {
	await shown('#form-code', p);
	await p.fill('#code', code);
	await p.click('#form-code button[type=submit]');
}
async function signedIn(p = page) {
	await shown('#view-home', p);
	check(await text('#who', p) === args.user, `#who says '${await text('#who', p)}'`);
	await until(async () => (await factorNames(p)).length > 0, 'the factor list');
}
async function signOut() {
	await page.click('#signout');
	await shown('#view-signin');
	const s = await page.evaluate(() => fetch('/api/session').then((r) => r.json()));
	check(s.session.stage === 'none', `after sign-out the session is ${JSON.stringify(s)}`);
}
const storedFactor = (list, pred) => list.factors.find(pred);

let secretNew = null, recovery = [];

// Sign-in attempts for the user: 4 passwords and 5 factors, in under a
// minute; mfa-web allows 10 a minute (SIGNIN_PER_USER), successes included.
const steps = [
	// TODO(invite): once POST /api/invite is in, the run starts here instead of
	// from `mfactl enroll`: `mfactl invite USER` → open the link it prints
	// (http://localhost:PORT/invite#TOKEN) → register a passkey in stage
	// "invite" → "Your first factor is ready" → sign in with password and it.
	['browser_signin_page', async () => {
		await page.goto(args.url + '/', { timeout: WAIT_MS });
		await shown('#view-signin');
		check(!await visible('#view-home'), 'the factor list shows before sign-in');
		await shot('portal-signin.png', '#view-signin');
	}],
	['browser_wrong_code_shows_server_message', async () => {
		await signInPassword();
		check(await visible('#form-code'), 'no code form');
		check(!await visible('#factor-passkey'), 'passkey offered before there is one');
		// The password alone opens nothing, whatever the page's script would do.
		const direct = await page.evaluate(() => Promise.all(['/api/me', '/api/export']
			.map((u) => fetch(u).then((r) => r.status))));
		check(direct.every((st) => st === 401), `after the password alone: ${direct}`);
		// Wrong: none of the codes the window accepts.
		const near = [-1, 0, 1].map((k) => totp(args.secret, k));
		const wrong = ['123456', '654321', '111111', '999999'].find((c) => !near.includes(c));
		const answer = page.waitForResponse((r) => r.url().endsWith('/api/signin/code'), { timeout: WAIT_MS });
		await signInCode(wrong);
		const r = await answer;
		const body = await r.json();
		check(r.status() === 401 && body.error, `wrong code answered ${r.status()} ${JSON.stringify(body)}`);
		await message(new RegExp('^' + body.error.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$'));
		check(await visible('#view-factor') && !await visible('#view-home'), 'signed in by a wrong code');
	}],
	['browser_signin_password_and_code', async () => {
		await signInCode(totp(args.secret));
		await signedIn();
		const names = await factorNames();
		check(names.length === 1 && /alice phone \(authenticator app\)/.test(names[0]), `factors: ${names}`);
		check(stored().factors[0].last_used > 0, 'the code was not recorded as used');
	}],
	['browser_add_passkey', async () => {
		expectDialog('prompt', /name for this passkey/, 'laptop passkey');
		await page.click('#add-passkey');
		await message(/Your passkey is ready/);
		dialogsDone();
		await until(async () => (await factorNames()).some((n) => n === 'laptop passkey (passkey or security key)'),
			'the passkey in the list');
		const f = storedFactor(stored(), (x) => x.label === 'laptop passkey');
		check(f && f.type === 'webauthn', `mfactl list: ${JSON.stringify(stored())}`);
		const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
		check(credentials.length === 1 && credentials[0].isResidentCredential,
			`authenticator holds ${JSON.stringify(credentials.map((c) => [c.rpId, c.isResidentCredential]))}`);
		check(credentials[0].rpId === 'localhost', `credential for ${credentials[0].rpId}`);
	}],
	['browser_signin_password_and_passkey', async () => {
		await signOut();
		const before = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0].signCount;
		await signInPassword();
		await shown('#factor-passkey');
		await page.click('#use-passkey');
		await signedIn();
		const after = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0].signCount;
		check(after > before, `the authenticator did not sign (count ${before} → ${after})`);
		const f = storedFactor(stored(), (x) => x.label === 'laptop passkey');
		check(f && f.last_used > 0, `passkey not recorded as used: ${JSON.stringify(f)}`);
	}],
	['browser_add_app', async () => {
		await page.click('#add-app');
		await shown('#app-setup');
		secretNew = (await text('#app-secret')).trim();
		check(/^[A-Z2-7]{16,}=*$/.test(secretNew), `#app-secret '${secretNew}'`);
		check(secretNew !== args.secret, 'the new app got the old secret');
		const src = await page.getAttribute('#app-qr', 'src', { timeout: WAIT_MS });
		check(src && src.startsWith('data:image/svg+xml,') &&
			/^<svg[\s>]/.test(decodeURIComponent(src.slice(19))), `QR src ${String(src).slice(0, 60)}`);
		// The image decodes: the browser rendered the SVG.
		const w = await page.evaluate(() => document.getElementById('app-qr').naturalWidth);
		check(w > 0, 'the QR code image did not render');
		const link = await page.getAttribute('#app-link', 'href', { timeout: WAIT_MS });
		check(link.startsWith('otpauth://totp/') && link.includes(`secret=${secretNew}`), `app link ${link}`);
		await shot('portal-app.png', '#view-add');
		// A code of another secret is refused, with the server's words.
		await page.fill('#app-code', totp(args.secret, 1));
		await page.click('#form-app button[type=submit]');
		await message(/not the app's current one/);
		check(await visible('#app-setup'), 'setup closed after a wrong code');
		await page.fill('#app-code', totp(secretNew));
		await page.click('#form-app button[type=submit]');
		await message(/Your authenticator app is ready/);
		check(!await visible('#app-setup'), 'setup still open');
		check((await text('#app-secret')) === '', 'the secret stays on the page');
		await until(async () => (await factorNames()).length === 3, 'three factors listed');
		const f = storedFactor(stored(), (x) => x.label === 'authenticator app');
		check(f && f.type === 'totp' && f.state === 'active', `mfactl list: ${JSON.stringify(stored())}`);
	}],
	['browser_signin_password_and_new_app_code', async () => {
		await signOut();
		await signInPassword();
		// The confirming code is spent; the next step's is within the window.
		await signInCode(totp(secretNew, 1));
		await signedIn();
		const f = storedFactor(stored(), (x) => x.label === 'authenticator app');
		check(f && f.last_used > 0, `new app not recorded as used: ${JSON.stringify(f)}`);
	}],
	['browser_rename_and_remove', async () => {
		const row = () => page.locator('#factors li', { hasText: 'alice phone' });
		expectDialog('prompt', /^New name for alice phone$/, 'old phone');
		await row().getByRole('button', { name: 'Rename' }).click({ timeout: WAIT_MS });
		await message(/^Renamed\.$/);
		dialogsDone();
		await until(async () => (await factorNames()).includes('old phone (authenticator app)'), 'renamed in the list');
		const f = storedFactor(stored(), (x) => x.label === 'old phone');
		check(f, `mfactl list lacks 'old phone': ${JSON.stringify(stored())}`);
		expectDialog('confirm', /^Remove old phone\?$/, undefined);
		await page.locator('#factors li', { hasText: 'old phone' }).getByRole('button', { name: 'Remove' })
			.click({ timeout: WAIT_MS });
		await message(/^Removed old phone\.$/);
		dialogsDone();
		await until(async () => (await factorNames()).length === 2, 'two factors left in the list');
		const left = stored();
		check(!storedFactor(left, (x) => x.id === f.id) && left.factors.length === 2,
			`mfactl list after remove: ${JSON.stringify(left)}`);
		await shot('portal-factors.png', '#view-add');
	}],
	['browser_recovery_codes', async () => {
		expectDialog('confirm', /New codes replace the old ones/, undefined);
		await page.click('#recovery-new');
		await shown('#recovery-shown');
		dialogsDone();
		recovery = await until(async () => {
			const c = await page.locator('#recovery-codes li').allInnerTexts();
			return c.length === 10 && c;
		}, 'ten recovery codes');
		check(new Set(recovery).size === 10, `codes repeat: ${recovery}`);
		await until(async () => /^10 of 10 recovery codes left\.$/.test(await text('#recovery-count')),
			'the count of codes');
		check(stored().recovery_codes_left === 10, `store has ${stored().recovery_codes_left} codes`);
		// The last step's message is gone: it is not about these codes.
		check(await text('#message') === '', `#message still says '${await text('#message')}'`);
		await shot('portal-recovery.png', '#view-recovery', '#view-recovery');
	}],
	['browser_stale_page_refused', async () => {
		// A second tab signs out and in again (with a recovery code read from
		// the first): the session, and so its CSRF token, is new; the first
		// tab's token is not.
		const other = await page.context().newPage();
		other.on('dialog', onDialog);
		try {
			await other.goto(args.url + '/', { timeout: WAIT_MS });
			await shown('#view-home', other);
			await other.click('#signout');
			await signInPassword(other);
			await signInCode(recovery[0], other);
			await signedIn(other);
		} finally {
			await other.close();
		}
		check(stored().recovery_codes_left === 9, 'the recovery code was not spent');
		const before = JSON.stringify(stored().factors.map((x) => x.label));
		expectDialog('prompt', /^New name for laptop passkey$/, 'stale name');
		await page.locator('#factors li', { hasText: 'laptop passkey' }).getByRole('button', { name: 'Rename' })
			.click({ timeout: WAIT_MS });
		await message(/page is out of date/);
		dialogsDone();
		check(JSON.stringify(stored().factors.map((x) => x.label)) === before, 'a stale page renamed a factor');
		// Reloaded, the page is current again.
		await page.reload({ timeout: WAIT_MS });
		await signedIn();
		check(await text('#message') === '', 'the message outlived the reload');
	}],
	['browser_export_matches_mfactl', async () => {
		const dl = page.waitForEvent('download', { timeout: WAIT_MS });
		await page.click('#download');
		const d = await dl;
		check(d.suggestedFilename() === 'mfa-export.json', `download named ${d.suggestedFilename()}`);
		const path = await withTimeout(d.path(), WAIT_MS, 'the download');
		check(path, `download failed: ${await d.failure()}`);
		const got = JSON.parse(readFileSync(path, 'utf8'));
		const want = JSON.parse(mfactl('export', args.user));
		check(isDeepStrictEqual(got, want),
			`the download differs from mfactl export:\n${JSON.stringify(got)}\n${JSON.stringify(want)}`);
		check(got.user === args.user && got.factors.length === 2 && got.recovery_codes.left === 9,
			`export content: ${JSON.stringify(got)}`);
	}],
	['browser_delete', async () => {
		await page.fill('#delete-confirm', 'bob');
		await page.click('#form-delete button[type=submit]');
		await message(/Type your user name/);
		check(stored().factors.length === 2, 'deleted on a wrong confirmation');
		await page.fill('#delete-confirm', args.user);
		await page.click('#form-delete button[type=submit]');
		await message(/Your sign-in data is deleted/);
		await shown('#view-signin');
		const s = stored();
		check(s.factors.length === 0 && s.recovery_codes_left === 0, `mfactl list after delete: ${JSON.stringify(s)}`);
		const me = await page.evaluate(() => fetch('/api/me').then((r) => r.status));
		check(me === 401, `GET /api/me after delete: ${me}`);
	}],
];

async function cleanup() {
	if (browser) {
		const b = browser;
		browser = null;
		await withTimeout(b.close(), 5000, 'closing the browser').catch((e) => log(e.message));
	}
}

async function main() {
	browser = await withTimeout(chromium.launch({
		executablePath: args.chromium,
		// Chromium may try ::1 first; mfa-web listens on 127.0.0.1.
		args: ['--no-sandbox', '--host-resolver-rules=MAP localhost 127.0.0.1'],
		headless: true,
		timeout: WAIT_MS,
	}), WAIT_MS + 1000, `launching ${args.chromium}`);
	const context = await browser.newContext({ viewport: { width: 900, height: 700 }, locale: 'en-US',
		timezoneId: 'UTC', acceptDownloads: true });
	context.setDefaultTimeout(WAIT_MS);
	page = await context.newPage();
	page.on('pageerror', (e) => { pageErrors.push(e.message); log(`page error: ${e.message}`); });
	page.on('dialog', onDialog);
	cdp = await context.newCDPSession(page);
	await cdp.send('WebAuthn.enable', { enableUI: false });
	({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
		options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
			isUserVerified: true, automaticPresenceSimulation: true },
	}));
	log(`Chromium ${browser.version()}, virtual authenticator ${authenticatorId}, ${args.url}`);

	for (const [name, fn] of steps) {
		const t0 = Date.now();
		try {
			await withTimeout(fn(), STEP_MS, name);
			check(!dialogSurprise, dialogSurprise);
			check(pageErrors.length === 0, `uncaught in the page: ${pageErrors.join('; ')}`);
		} catch (e) {
			console.log(`not ok ${args.suite}/${name}`);
			const msg = e instanceof StepError ? e.message : (e && e.stack) || String(e);
			process.stderr.write(`  FAILED in ${name}: ${msg.split('\n').slice(0, 6).join('\n    ')}\n`);
			return 1;
		}
		console.log(`ok ${args.suite}/${name}`);
		log(`${name}: ${Date.now() - t0} ms`);
	}
	return 0;
}

const runTimer = setTimeout(async () => {
	console.log(`not ok ${args.suite}/browser_run (longer than ${RUN_MS / 1000} s)`);
	await cleanup();
	process.exit(1);
}, RUN_MS);

let status = 1;
try {
	status = await main();
} catch (e) {
	console.log(`not ok ${args.suite}/browser_start`);
	process.stderr.write(`  FAILED in browser_start: ${(e && e.message) || e}\n`);
}
clearTimeout(runTimer);
await cleanup();
process.exit(status);
