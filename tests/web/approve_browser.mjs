// approve_browser.mjs - the user's side of a passkey approval in a real
// headless Chromium, for shell tests of logins (ssh, RADIUS): the passkey
// lives in a CDP virtual authenticator, kept between runs in a small JSON
// file (the credential as WebAuthn.getCredentials gives it, its private key
// in PKCS#8), so that each run is a fresh browser holding the same key.
//
//   node approve_browser.mjs register --cred FILE INVITE_LINK
//       opens an invite link (mfactl invite), registers a passkey on the
//       portal, writes it to FILE
//   node approve_browser.mjs approve --cred FILE [--wrong] APPROVAL_URL NUMBER
//       opens the link a login showed (WEB_URL/a/ID), checks that NUMBER is
//       among the four, picks it (--wrong: another one) and signs with the
//       passkey of FILE (whose sign count is written back)
//   options: --chromium PATH (default /usr/bin/chromium)
//
// Prints what the page said last (#message) on stdout. Exit status: 0 the
// page approved (register: the passkey is registered), 1 it said anything
// else (denied, refused, unknown link, no answer from the key), 2 usage,
// 3 the harness failed (no browser, the page never came). Bounded: the
// whole run ends within RUN_MS.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';

// playwright-core lives with the WebAuthn harness (tests/webauthn/browser).
const require = createRequire(new URL('../webauthn/browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const WAIT_MS = 10000;        // any one thing on the page
const RUN_MS = 45000;         // everything

const USAGE = 'usage: node approve_browser.mjs register --cred FILE INVITE_LINK\n' +
	'       node approve_browser.mjs approve --cred FILE [--wrong] APPROVAL_URL NUMBER\n' +
	'       (options: --chromium PATH)';

function usage(why) {
	process.stderr.write(`approve_browser.mjs: ${why}\n${USAGE}\n`);
	process.exit(2);
}

function parseArgs(argv) {
	const a = { chromium: '/usr/bin/chromium', wrong: false, cred: null, words: [] };
	while (argv.length) {
		const w = argv.shift();
		if (w === '--wrong') a.wrong = true;
		else if (w === '--cred' || w === '--chromium') {
			if (!argv.length) usage(`${w} needs a value`);
			a[w.slice(2)] = argv.shift();
		} else if (w.startsWith('--')) usage(`unknown option '${w}'`);
		else a.words.push(w);
	}
	const mode = a.words.shift();
	if (mode !== 'register' && mode !== 'approve')
		usage(`the first word is register or approve, not '${mode ?? ''}'`);
	if (!a.cred) usage('--cred FILE is required');
	a.mode = mode;
	if (mode === 'register') {
		if (a.words.length !== 1 || !/^https?:\/\/[^#]+\/invite#.+/.test(a.words[0]))
			usage('register takes one invite link (http://HOST/invite#TOKEN)');
		a.invite = a.words[0];
	} else {
		const m = a.words.length === 2 && /^(https?:\/\/[^/]+)\/a\/([A-Za-z0-9]{1,16})$/.exec(a.words[0]);
		if (!m || !/^[0-9]{2}$/.test(a.words[1]))
			usage('approve takes the approval link (http://HOST/a/ID) and the two-digit number');
		a.url = a.words[0];
		a.number = a.words[1];
	}
	return a;
}
const args = parseArgs(process.argv.slice(2));

class Refused extends Error {}     // the page answered, not with what we wanted
const log = (msg) => process.stderr.write(`approve_browser.mjs: ${msg}\n`);

function withTimeout(promise, ms, what) {
	let timer;
	const t = new Promise((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms / 1000} s`)), ms);
	});
	return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

let browser = null, lastMessage = '';

// message(page, re): #message once it says anything new that matches re;
// any other text there is returned too once it stops changing.
async function message(page, re) {
	const end = Date.now() + WAIT_MS;
	for (;;) {
		const m = (await page.locator('#message').innerText({ timeout: WAIT_MS }).catch(() => '')).trim();
		if (m) lastMessage = m;
		if (m && re.test(m)) return m;
		if (Date.now() > end) return m;
		await new Promise((r) => setTimeout(r, 100));
	}
}

// writeCred(file, c): the credential as addCredential takes it, replaced
// whole (a rename) so that a killed run leaves the old one.
function writeCred(file, c) {
	const keep = { credentialId: c.credentialId, isResidentCredential: c.isResidentCredential,
		rpId: c.rpId, privateKey: c.privateKey, userHandle: c.userHandle, signCount: c.signCount };
	writeFileSync(`${file}.tmp`, JSON.stringify(keep) + '\n', { mode: 0o600 });
	renameSync(`${file}.tmp`, file);
}

async function register(page, cdp, authenticatorId) {
	page.on('dialog', (d) => (d.type() === 'prompt' ? d.accept('test passkey') : d.dismiss()).catch(() => {}));
	await page.goto(args.invite, { timeout: WAIT_MS });
	await page.locator('#add-passkey').waitFor({ state: 'visible', timeout: WAIT_MS });
	await page.click('#add-passkey');
	const m = await message(page, /Your first factor is ready/);
	if (!/Your first factor is ready/.test(m)) throw new Refused(`the portal said: ${m || 'nothing'}`);
	const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
	if (credentials.length !== 1) throw new Error(`the authenticator holds ${credentials.length} credentials`);
	writeCred(args.cred, credentials[0]);
}

async function approve(page, cdp, authenticatorId) {
	const cred = JSON.parse(readFileSync(args.cred, 'utf8'));
	await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: cred });
	await page.goto(args.url, { timeout: WAIT_MS });
	// The page shows the four numbers, or says why not (unknown, used).
	const choices = page.locator('#approval-choices button');
	await Promise.race([
		page.locator('#approval-choose').waitFor({ state: 'visible', timeout: WAIT_MS }),
		message(page, /./),
	]);
	if (!await page.locator('#approval-choose').isVisible())
		throw new Refused(`no numbers to choose from: ${await message(page, /./) || 'nothing said'}`);
	const shown = await choices.allInnerTexts();
	if (shown.length !== 4 || !shown.includes(args.number))
		throw new Error(`the page shows ${shown.join(', ')}, not the login's number ${args.number}`);
	const pick = args.wrong ? shown.find((n) => n !== args.number) : args.number;
	await page.locator('#approval-choices').getByRole('button', { name: pick, exact: true }).click();
	const m = await message(page, /^(Approved|Denied|The security key)/);
	const after = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
	const used = after.find((c) => c.credentialId === cred.credentialId);
	if (used && used.signCount > cred.signCount) writeCred(args.cred, used);
	if (!/^Approved/.test(m)) throw new Refused(m || 'the page said nothing');
}

async function main() {
	browser = await withTimeout(chromium.launch({
		executablePath: args.chromium,
		// Chromium may try ::1 first; mfa-web listens on 127.0.0.1.
		args: ['--no-sandbox', '--host-resolver-rules=MAP localhost 127.0.0.1'],
		headless: true,
		timeout: WAIT_MS,
	}), WAIT_MS + 1000, `launching ${args.chromium}`);
	const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
	context.setDefaultTimeout(WAIT_MS);
	const page = await context.newPage();
	page.on('pageerror', (e) => log(`page error: ${e.message}`));
	const cdp = await context.newCDPSession(page);
	await cdp.send('WebAuthn.enable', { enableUI: false });
	const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
		options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
			isUserVerified: true, automaticPresenceSimulation: true },
	});
	await (args.mode === 'register' ? register : approve)(page, cdp, authenticatorId);
}

const runTimer = setTimeout(() => {
	log(`longer than ${RUN_MS / 1000} s: giving up`);
	process.exit(3);
}, RUN_MS);

let status = 0;
try {
	await main();
} catch (e) {
	status = e instanceof Refused ? 1 : 3;
	log(e instanceof Refused ? e.message : (e && e.stack) || String(e));
}
console.log(lastMessage);
clearTimeout(runTimer);
if (browser)
	await withTimeout(browser.close(), 5000, 'closing the browser').catch((e) => log(e.message));
process.exit(status);
