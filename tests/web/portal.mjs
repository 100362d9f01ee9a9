// portal.mjs - the portal end to end in a real headless Chromium: it drives
// the page itself (web/static: clicks, typed inputs, accepted dialogs) with a
// CDP virtual authenticator for passkeys and oathtool for codes, and checks
// each step both on the page and in the store (mfactl). One "ok SUITE/NAME"
// or "not ok SUITE/NAME" line a step, for tests/run; the first failing step
// ends the run, since every later one builds on it.
//
// usage: node portal.mjs --flow user --url http://localhost:PORT --mfactl PATH --config FILE
//                        --user USER --approval-tool PATH [--suite NAME] [--shots DIR] [--chromium PATH]
//        node portal.mjs --flow staff ... --user STAFF --secret BASE32 --locked USER --invitee USER
// user: USER, without a factor, is invited by `mfactl invite` and goes
// through everything a user can do, to deleting her data (approving logins on
// /a/ID with her passkey, the logins' side played by --approval-tool). staff: STAFF,
// enrolled with the TOTP secret BASE32, unlocks USER (locked out) and sends
// an invite that --invitee opens in another browser.
// The password of --user comes from the environment (PORTAL_PASSWORD), not
// the command line. --shots DIR: PNG screenshots for the docs go there.
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

const USAGE = 'usage: node portal.mjs --flow user|staff --url URL --mfactl PATH --config FILE --user USER\n' +
	'                      [--approval-tool PATH] [--secret BASE32 --locked USER --invitee USER]\n' +
	'                      [--suite NAME] [--shots DIR]\n' +
	'                      [--chromium PATH]';

function parseArgs(argv) {
	const a = { suite: 'web', shots: null, chromium: '/usr/bin/chromium' };
	const valued = ['--flow', '--url', '--mfactl', '--config', '--user', '--secret', '--locked', '--invitee',
		'--approval-tool', '--suite', '--shots', '--chromium'];
	for (let i = 0; i < argv.length; i++) {
		if (!valued.includes(argv[i]) || i + 1 >= argv.length) {
			process.stderr.write(`portal.mjs: bad argument '${argv[i]}'\n${USAGE}\n`);
			process.exit(2);
		}
		a[argv[i].slice(2)] = argv[++i];
	}
	const need = ['flow', 'url', 'mfactl', 'config', 'user'];
	if (a.flow === 'staff') need.push('secret', 'locked', 'invitee');
	else if (a.flow === 'user') need.push('approval-tool');
	else need.push('a --flow of user or staff');
	for (const k of need)
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
const stored = (user = args.user) => JSON.parse(mfactl('list', user, '--json'));
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
	// In the page's coordinates, whatever it is scrolled to.
	const box = (sel) => page.locator(sel).evaluate((e) => {
		const r = e.getBoundingClientRect();
		return { top: r.top + window.scrollY, bottom: r.bottom + window.scrollY };
	}, null, { timeout: WAIT_MS });
	const top = first ? Math.max(0, (await box(first)).top - 16) : 0, end = (await box(last)).bottom + 16;
	const clip = { x: 0, y: top, width: 900, height: Math.ceil(end - top) };
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

let secretNew = null, recovery = [], invite = null;

// inviteLink(user): the link `mfactl invite USER` prints as its last line.
function inviteLink(user) {
	const link = mfactl('invite', user).trim().split('\n').pop();
	check(link.startsWith(`${args.url}/invite#`) && link.length - link.indexOf('#') > 40,
		`mfactl invite printed '${link}'`);
	return link;
}
// openInvite(link, p): the link opened; the page asks for a first factor.
async function openInvite(link, p = page) {
	await p.goto(link, { timeout: WAIT_MS });
	await shown('#view-invite', p);
	await shown('#view-add', p);
	check(!await visible('#view-home', p) && !await visible('#view-recovery', p) && !await visible('#view-data', p),
		'an invite shows more than setting up a first factor');
	// The token leaves the address bar (and the history) at once.
	check(p.url() === `${args.url}/`, `address after the invite: ${p.url()}`);
}
const row = (label) => page.locator('#factors li', { hasText: label });
const button = (label, name) => row(label).getByRole('button', { name }).click({ timeout: WAIT_MS });
// sessionStage(p): what the server says of this browser's session.
const sessionStage = async (p = page) => (await p.evaluate(() => fetch('/api/session').then((r) => r.json())))
	.session.stage;

// Sign-in attempts for the user: 3 passwords and 4 factors, in under a
// minute; mfa-web allows 10 a minute (SIGNIN_PER_USER), successes included.
const userSteps = [
	['browser_invite_opens_first_factor_setup', async () => {
		await page.goto(args.url + '/', { timeout: WAIT_MS });
		await shown('#view-signin');
		check(!await visible('#view-home'), 'the factor list shows before sign-in');
		await shot('portal-signin.png', '#view-signin');
		check(stored().factors.length === 0, `${args.user} has a factor before the invite`);
		invite = inviteLink(args.user);
		await openInvite(invite);
		check(await sessionStage() === 'invite', 'no invite session');
		await shot('portal-invite.png', '#view-add');
	}],
	['browser_invite_registers_passkey', async () => {
		expectDialog('prompt', /name for this passkey/, 'laptop passkey');
		await page.click('#add-passkey');
		await message(/Your first factor is ready/);
		dialogsDone();
		// The invite's session ends with its first factor.
		await shown('#view-signin');
		check(await sessionStage() === 'none', 'the invite session goes on');
		const f = storedFactor(stored(), (x) => x.label === 'laptop passkey');
		check(f && f.type === 'webauthn', `mfactl list: ${JSON.stringify(stored())}`);
		const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
		check(credentials.length === 1 && credentials[0].isResidentCredential && credentials[0].rpId === 'localhost',
			`authenticator holds ${JSON.stringify(credentials.map((c) => [c.rpId, c.isResidentCredential]))}`);
	}],
	['browser_invite_link_works_once', async () => {
		await page.goto(invite, { timeout: WAIT_MS });
		await message(/unknown, used or expired/);
		await shown('#view-signin');
		check(!await visible('#view-invite'), 'a used invite opened the setup');
		check(await sessionStage() === 'none', 'a used invite made a session');
	}],
	['browser_signin_password_and_passkey', async () => {
		const before = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0].signCount;
		await signInPassword();
		await shown('#factor-passkey');
		check(!await visible('#form-code'), 'a code asked of a user with a passkey only');
		await page.click('#use-passkey');
		await signedIn();
		check(!await visible('#view-staff'), 'the support panel shows to a user');
		const after = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0].signCount;
		check(after > before, `the authenticator did not sign (count ${before} → ${after})`);
		const f = storedFactor(stored(), (x) => x.label === 'laptop passkey');
		check(f && f.last_used > 0, `passkey not recorded as used: ${JSON.stringify(f)}`);
	}],
	['browser_approval_page', async () => {
		// A login asks (as pam_mfa will): the link's id and the prompt's number.
		const login = () => {
			const r = cmd(args['approval-tool'], ['create', args.user, 'pam:sshd', '192.0.2.7', 'host1']);
			check(r.code === 0, `approval_tool create exited ${r.code}: ${r.err.trim()}`);
			const [id, number] = r.out.trim().split(' ');
			return { id, number };
		};
		const consume = (id) => cmd(args['approval-tool'], ['consume', args.user, id, 'host1']).code;
		const open = async (a) => {
			await page.goto(`${args.url}/a/${a.id}`, { timeout: WAIT_MS });
			await shown('#approval-choose');
			check((await text('#approval-service')) === 'pam:sshd', `service: '${await text('#approval-service')}'`);
			check((await text('#approval-remote')) === '192.0.2.7', `remote: '${await text('#approval-remote')}'`);
			check(!(await text('main')).includes(args.user), 'the user is named before the key signed');
			const choices = await page.locator('#approval-choices button').allInnerTexts();
			check(choices.length === 4 && choices.includes(a.number), `choices ${choices}, number ${a.number}`);
			return choices;
		};
		const pick = (n) => page.locator('#approval-choices').getByRole('button', { name: n, exact: true }).click();
		const a = login();
		await open(a);
		check(consume(a.id) === 1, 'consumed before the approval');
		await pick(a.number);
		await message(/^Approved: go back to your sign-in\./);
		check(consume(a.id) === 0, 'the approved login could not consume it');
		check(consume(a.id) === 1, 'consumed twice');
		// A wrong number: denied, and the login is refused.
		const b = login();
		const wrong = (await open(b)).find((c) => c !== b.number);
		await pick(wrong);
		await message(/^Denied: that was not the number shown at your sign-in/);
		check(consume(b.id) === 1, 'a denied approval was consumed');
		await page.goto(`${args.url}/a/ZZZZZZZZ`, { timeout: WAIT_MS });
		await message(/unknown or has expired/);
		await page.goto(args.url + '/', { timeout: WAIT_MS });
		await signedIn();
	}],
	['browser_signin_code', async () => {
		// A passkey-only user: "Get a sign-in code", the key once more, then a
		// code that logs in once wherever an app's code goes (mfactl verify).
		await shown('#view-signin-code');
		const before = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0].signCount;
		await page.click('#signin-code-get');
		await message(/^Type this code where your VPN asks for a code, within 5 minutes\. It works once\./);
		const code = (await text('#signin-code')).trim();
		check(/^\d{6}$/.test(code), `#signin-code '${code}'`);
		check(/^Valid until /.test(await text('#signin-code-expires')), 'no expiry shown');
		const after = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0].signCount;
		check(after > before, `the authenticator did not sign (count ${before} → ${after})`);
		const verify = (c) => cmd(args.mfactl, ['--config', args.config, 'verify', args.user, c]).code;
		check(verify(code) === 0, 'the sign-in code was refused');
		check(verify(code) === 1, 'the sign-in code worked twice');
	}],
	['browser_add_app', async () => {
		await page.click('#add-app');
		await shown('#app-setup');
		secretNew = (await text('#app-secret')).trim();
		check(/^[A-Z2-7]{16,}=*$/.test(secretNew), `#app-secret '${secretNew}'`);
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
		await page.fill('#app-code', totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'));
		await page.click('#form-app button[type=submit]');
		await message(/not the app's current one/);
		check(await visible('#app-setup'), 'setup closed after a wrong code');
		await page.fill('#app-code', totp(secretNew));
		await page.click('#form-app button[type=submit]');
		await message(/Your authenticator app is ready/);
		check(!await visible('#app-setup'), 'setup still open');
		check((await text('#app-secret')) === '', 'the secret stays on the page');
		await until(async () => (await factorNames()).length === 2, 'two factors listed');
		const f = storedFactor(stored(), (x) => x.label === 'authenticator app');
		check(f && f.type === 'totp' && f.state === 'active', `mfactl list: ${JSON.stringify(stored())}`);
	}],
	['browser_wrong_code_shows_server_message', async () => {
		await signOut();
		await signInPassword();
		check(await visible('#form-code') && await visible('#factor-passkey'), 'not both code and passkey offered');
		// The password alone opens nothing, whatever the page's script would do.
		const direct = await page.evaluate(() => Promise.all(['/api/me', '/api/export']
			.map((u) => fetch(u).then((r) => r.status))));
		check(direct.every((st) => st === 401), `after the password alone: ${direct}`);
		// Wrong: none of the codes the window accepts.
		const near = [-1, 0, 1, 2].map((k) => totp(secretNew, k));
		const wrong = ['123456', '654321', '111111', '999999', '024680'].find((c) => !near.includes(c));
		const answer = page.waitForResponse((r) => r.url().endsWith('/api/signin/code'), { timeout: WAIT_MS });
		await signInCode(wrong);
		const r = await answer;
		const body = await r.json();
		check(r.status() === 401 && body.error, `wrong code answered ${r.status()} ${JSON.stringify(body)}`);
		await message(new RegExp('^' + body.error.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$'));
		check(await visible('#view-factor') && !await visible('#view-home'), 'signed in by a wrong code');
	}],
	['browser_signin_password_and_app_code', async () => {
		// The confirming code is spent; the next step's is within the window.
		await signInCode(totp(secretNew, 1));
		await signedIn();
		const f = storedFactor(stored(), (x) => x.label === 'authenticator app');
		check(f && f.last_used > 0, `the app not recorded as used: ${JSON.stringify(f)}`);
		// The last sign-ins, from the audit: the passkey's and this one.
		const rows = await until(async () => {
			const r = await page.locator('#signins tbody tr').allInnerTexts();
			return r.length >= 2 && r;
		}, 'the last sign-ins');
		check(rows.filter((t) => /accepted/.test(t)).length >= 2, `last sign-ins: ${JSON.stringify(rows)}`);
		await shot('portal-factors.png', '#view-data', '#view-home');
	}],
	['browser_rename_and_remove', async () => {
		expectDialog('prompt', /^New name for laptop passkey$/, 'work laptop');
		await button('laptop passkey', 'Rename');
		await message(/^Renamed\.$/);
		dialogsDone();
		await until(async () => (await factorNames()).includes('work laptop (passkey or security key)'),
			'renamed in the list');
		check(storedFactor(stored(), (x) => x.label === 'work laptop'),
			`mfactl list lacks 'work laptop': ${JSON.stringify(stored())}`);
		const app = storedFactor(stored(), (x) => x.label === 'authenticator app');
		expectDialog('confirm', /^Remove authenticator app\?$/, undefined);
		await button('authenticator app', 'Remove');
		await message(/^Removed authenticator app\.$/);
		dialogsDone();
		await until(async () => (await factorNames()).length === 1, 'one factor left in the list');
		const left = stored();
		check(!storedFactor(left, (x) => x.id === app.id) && left.factors.length === 1,
			`mfactl list after remove: ${JSON.stringify(left)}`);
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
	['browser_last_factor_needs_a_second_yes', async () => {
		// The last factor, with recovery codes left: the server asks for a
		// confirmation, the page asks the user, who says no.
		expectDialog('confirm', /^Remove work laptop\?$/, undefined);
		expectDialog('confirm', /last factor.*Confirm to remove it anyway/, null);
		await button('work laptop', 'Remove');
		await message(/last factor.*Confirm to remove it anyway/);
		dialogsDone();
		check(stored().factors.length === 1, 'the last factor was removed without a yes');
		check((await factorNames()).length === 1, 'the last factor left the list');
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
		expectDialog('prompt', /^New name for work laptop$/, 'stale name');
		await button('work laptop', 'Rename');
		await message(/page is out of date/);
		dialogsDone();
		check(storedFactor(stored(), (x) => x.label === 'work laptop'), 'a stale page renamed a factor');
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
		check(got.user === args.user && got.factors.length === 1 && got.recovery_codes.left === 9,
			`export content: ${JSON.stringify(got)}`);
	}],
	['browser_delete', async () => {
		await page.fill('#delete-confirm', 'bob');
		await page.click('#form-delete button[type=submit]');
		await message(/Type your user name/);
		check(stored().factors.length === 1, 'deleted on a wrong confirmation');
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

// staffFind(user): the support panel's search, until it shows USER.
async function staffFind(user) {
	await page.fill('#staff-user', user);
	await page.click('#form-staff-find button[type=submit]');
	await shown('#staff-result');
	return until(async () => { const t = await text('#staff-summary'); return t.startsWith(user + ':') && t; },
		`the support panel to show ${user}`);
}

const staffSteps = [
	['browser_staff_signin', async () => {
		await page.goto(args.url + '/', { timeout: WAIT_MS });
		await signInPassword();
		await signInCode(totp(args.secret));
		await signedIn();
		await shown('#view-staff');
	}],
	['browser_staff_unlocks_a_user', async () => {
		check(stored(args.locked).locked_until * 1000 > Date.now(), `${args.locked} is not locked to begin with`);
		const summary = await staffFind(args.locked);
		check(/locked until/.test(summary), `summary of a locked user: '${summary}'`);
		check(await page.locator('#staff-trail tbody tr').count() > 0, 'no trail');
		await page.click('#staff-unlock');
		await message(/^Unlocked\.$/);
		await until(async () => !/locked until/.test(await text('#staff-summary')), 'the summary without the lock');
		check(stored(args.locked).locked_until * 1000 <= Date.now(), `${args.locked} still locked`);
		await shot('portal-staff.png', '#view-staff', '#view-staff');
	}],
	['browser_staff_invite_opened_elsewhere', async () => {
		check(stored(args.invitee).factors.length === 0, `${args.invitee} has a factor before the invite`);
		await staffFind(args.invitee);
		await page.click('#staff-invite');
		const out = await until(async () => text('#staff-output'), 'the invite link');
		const m = /^One-time link for (\S+) .*: (\S+)$/.exec(out);
		check(m && m[1] === args.invitee && m[2].startsWith(`${args.url}/invite#`), `#staff-output: '${out}'`);
		// The invitee's own browser: nothing shared with the staff member's.
		const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
		try {
			const p = await context.newPage();
			p.on('pageerror', (e) => pageErrors.push(e.message));
			await openInvite(m[2], p);
			await p.click('#add-app');
			await shown('#app-setup', p);
			const secret = (await text('#app-secret', p)).trim();
			await p.fill('#app-code', totp(secret));
			await p.click('#form-app button[type=submit]');
			await message(/Your first factor is ready/, p);
			await shown('#view-signin', p);
		} finally {
			await context.close();
		}
		const f = stored(args.invitee).factors;
		check(f.length === 1 && f[0].type === 'totp' && f[0].state === 'active',
			`${args.invitee} after the invite: ${JSON.stringify(f)}`);
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

	for (const [name, fn] of args.flow === 'staff' ? staffSteps : userSteps) {
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
