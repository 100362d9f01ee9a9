// The portal's page: talks only to its own JSON API (/api/...), sends the
// session's CSRF token with every change, and keeps nothing in storage.
"use strict";

let session = { stage: "none" };
const $ = (id) => document.getElementById(id);

function show(ids) {
	for (const s of document.querySelectorAll("main > section"))
		s.hidden = !ids.includes(s.id);
}

function say(text, ok) {
	const m = $("message");
	m.textContent = text || "";
	m.className = ok ? "ok" : "";
}

async function api(method, path, body) {
	const headers = {};
	if (method === "POST") {
		headers["Content-Type"] = "application/json";
		if (session.csrf)
			headers["X-CSRF-Token"] = session.csrf;
	}
	const res = await fetch(path, { method, headers, credentials: "same-origin",
		body: method === "POST" ? JSON.stringify(body || {}) : undefined });
	let data = {};
	try { data = await res.json(); } catch (e) { data = { error: "The portal gave no answer: try again." }; }
	if (data.session)
		session = data.session;
	if (!res.ok)
		throw new Error(data.error || ("Error " + res.status));
	return data;
}

async function refresh() {
	$("who").textContent = session.stage === "signed_in" ? session.user : "";
	$("signout").hidden = session.stage === "none" || !session.stage;
	if (session.stage === "signed_in") {
		const views = ["view-home", "view-waiting", "view-signin-code", "view-add", "view-recovery", "view-data"];
		if (session.staff)
			views.push("view-staff");
		show(views);
		await loadMe();
		await loadWaiting();
	} else if (session.stage === "invite") {
		show(["view-invite", "view-add"]);
	} else if (session.stage === "password") {
		show(["view-factor"]);
	} else {
		show(["view-signin"]);
	}
}

async function loadMe() {
	const me = await api("GET", "/api/me");
	const list = $("factors");
	list.textContent = "";
	for (const f of me.factors) {
		const li = document.createElement("li");
		const name = document.createElement("span");
		name.className = "name";
		const kind = typeName(f.type);
		name.textContent = f.label === kind ? kind : f.label + " (" + kind + ")";
		const used = document.createElement("small");
		used.textContent = f.last_used ? "last used " + new Date(f.last_used * 1000).toLocaleString() : "never used";
		const rename = document.createElement("button");
		rename.className = "small";
		rename.textContent = "Rename";
		rename.dataset.id = f.id;
		rename.addEventListener("click", () => renameFactor(f));
		const remove = document.createElement("button");
		remove.className = "small";
		remove.textContent = "Remove";
		remove.addEventListener("click", () => removeFactor(f, false));
		li.append(name, used, rename, remove);
		li.dataset.id = f.id;
		list.append(li);
	}
	// Sign-in codes are for accounts that sign in with a passkey.
	$("view-signin-code").hidden = !me.factors.some((f) => f.type === "passkey");
	fillRows($("signins"), (me.signins || []).map((e) => [when(e.time), e.nas_id || e.source,
		e.remote || e.station || "", e.outcome]));
	$("recovery-count").textContent = me.recovery_total ?
		me.recovery_left + " of " + me.recovery_total + " recovery codes left." : "You have no recovery codes.";
}

// Sign-ins held open by a VPN (RADIUS hold mode): approved with the passkey.
async function loadWaiting() {
	let r;
	try { r = await api("GET", "/api/me/approvals"); } catch (e) { say(e.message); return; }
	const list = $("waiting");
	list.textContent = "";
	for (const a of r.approvals) {
		const li = document.createElement("li");
		const what = document.createElement("span");
		what.className = "name";
		what.textContent = (a.nas || a.service) + (a.remote ? " from " + a.remote : "") +
			", " + when(a.created);
		const ok = document.createElement("button");
		ok.className = "small";
		ok.textContent = "Approve";
		ok.addEventListener("click", () => approveWaiting(a.id));
		li.append(what, ok);
		li.dataset.id = a.id;
		list.append(li);
	}
	$("waiting-none").hidden = r.approvals.length > 0;
}

async function approveWaiting(id) {
	const base = "/api/me/approvals/" + encodeURIComponent(id);
	try {
		const begin = await api("POST", base + "/begin");
		const cred = await navigator.credentials.get({
			publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begin.options) });
		const r = await api("POST", base + "/finish", { response: cred.toJSON() });
		say(r.message, true);
	} catch (e) {
		if (e.name !== "NotAllowedError")
			say(e.message);
	}
	await loadWaiting();
}

async function renameFactor(f) {
	const label = prompt("New name for " + f.label, f.label);
	if (!label)
		return;
	try { await api("POST", "/api/factors/rename", { id: f.id, label }); say("Renamed.", true); await loadMe(); }
	catch (e) { say(e.message); }
}

async function removeFactor(f, confirmLast) {
	if (!confirmLast && !confirm("Remove " + f.label + "?"))
		return;
	try {
		await api("POST", "/api/factors/remove", { id: f.id, confirm_last: confirmLast });
		say("Removed " + f.label + ".", true);
		await loadMe();
	} catch (e) {
		if (!confirmLast && /Confirm to remove/.test(e.message) && confirm(e.message))
			return removeFactor(f, true);
		say(e.message);
	}
}

$("form-password").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	try {
		const r = await api("POST", "/api/signin", { user: $("user").value, password: $("password").value });
		$("password").value = "";
		$("factor-passkey").hidden = !r.methods.includes("passkey");
		$("form-code").hidden = !r.methods.includes("code") && !r.methods.includes("recovery");
		say("");
		await refresh();
	} catch (e) { say(e.message); }
});

$("form-code").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	try { await api("POST", "/api/signin/code", { code: $("code").value }); $("code").value = ""; say(""); await refresh(); }
	catch (e) { say(e.message); }
});

$("use-passkey").addEventListener("click", async () => {
	try {
		const begin = await api("POST", "/api/signin/passkey/begin");
		const cred = await navigator.credentials.get({
			publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begin.options) });
		await api("POST", "/api/signin/passkey/finish", { response: cred.toJSON() });
		say("");
		await refresh();
	} catch (e) { say(e.message); }
});

// A code for a VPN that cannot ask for the passkey: the passkey once more,
// then the code, shown until it expires.
let signinCodeTimer = 0;
$("signin-code-get").addEventListener("click", async () => {
	try {
		const begin = await api("POST", "/api/me/signin-code/begin");
		const cred = await navigator.credentials.get({
			publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begin.options) });
		const r = await api("POST", "/api/me/signin-code/finish", { response: cred.toJSON() });
		$("signin-code").textContent = r.code;
		$("signin-code-expires").textContent = "Valid until " + new Date(r.expires * 1000).toLocaleTimeString() + ".";
		$("signin-code-shown").hidden = false;
		clearTimeout(signinCodeTimer);
		signinCodeTimer = setTimeout(() => {
			$("signin-code").textContent = "";
			$("signin-code-shown").hidden = true;
		}, Math.max(0, r.expires * 1000 - Date.now()));
		say(r.message, true);
	} catch (e) {
		say(e.name === "NotAllowedError" || e.name === "AbortError" ?
			"The security key gave no answer: try again." : e.message);
	}
});

$("waiting-check").addEventListener("click", () => loadWaiting());

$("add-passkey").addEventListener("click", async () => {
	try {
		const begin = await api("POST", "/api/factors/passkey/begin");
		const cred = await navigator.credentials.create({
			publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begin.options) });
		const label = prompt("A name for this passkey or key", "passkey") || "passkey";
		await api("POST", "/api/factors/passkey/finish", { response: cred.toJSON(), label });
		say("Your passkey is ready.", true);
		await afterAdd();
	} catch (e) { say(e.message); }
});

$("add-app").addEventListener("click", async () => {
	try {
		const r = await api("POST", "/api/factors/app/begin", { label: "authenticator app" });
		$("app-qr").src = "data:image/svg+xml," + encodeURIComponent(r.qr_svg);
		$("app-link").href = r.uri;
		$("app-secret").textContent = r.secret;
		$("app-setup").hidden = false;
		say("");
	} catch (e) { say(e.message); }
});

$("form-app").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	try {
		await api("POST", "/api/factors/app/confirm", { code: $("app-code").value });
		$("app-code").value = "";
		$("app-secret").textContent = "";
		$("app-setup").hidden = true;
		say("Your authenticator app is ready.", true);
		await afterAdd();
	} catch (e) { say(e.message); }
});

async function afterAdd() {
	if (session.stage === "invite") {
		session = { stage: "none" };
		say("Your first factor is ready: sign in with your password and it.", true);
	}
	await refresh();
}

$("recovery-new").addEventListener("click", async () => {
	if (!confirm("New codes replace the old ones. Continue?"))
		return;
	try {
		const r = await api("POST", "/api/recovery");
		const ol = $("recovery-codes");
		ol.textContent = "";
		for (const c of r.codes) {
			const li = document.createElement("li");
			li.textContent = c;
			ol.append(li);
		}
		$("recovery-shown").hidden = false;
		say("");
		await loadMe();
	} catch (e) { say(e.message); }
});

$("download").addEventListener("click", async () => {
	try {
		const res = await fetch("/api/export", { credentials: "same-origin" });
		if (!res.ok)
			throw new Error((await res.json()).error);
		const url = URL.createObjectURL(await res.blob());
		const a = document.createElement("a");
		a.href = url;
		a.download = "mfa-export.json";
		a.click();
		URL.revokeObjectURL(url);
	} catch (e) { say(e.message); }
});

$("form-delete").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	try {
		await api("POST", "/api/delete", { confirm: $("delete-confirm").value });
		session = { stage: "none" };
		say("Your sign-in data is deleted.", true);
		await refresh();
	} catch (e) { say(e.message); }
});

$("signout").addEventListener("click", async () => {
	try { await api("POST", "/api/signout"); } catch (e) { /* signed out anyway */ }
	session = { stage: "none" };
	say("");
	await refresh();
});

function typeName(type) {
	return type === "passkey" ? "passkey or security key" : type === "token" ? "hardware token" :
		"authenticator app";
}

function when(t) { return t ? new Date(t * 1000).toLocaleString() : ""; }

// Rows of text cells into a table's body (textContent: nothing is HTML).
function fillRows(table, rows) {
	const body = table.tBodies[0];
	body.textContent = "";
	for (const cells of rows) {
		const tr = document.createElement("tr");
		for (const c of cells) {
			const td = document.createElement("td");
			td.textContent = c;
			tr.append(td);
		}
		body.append(tr);
	}
}

// Support staff: find a user, then act on them.
let staffUser = "";
async function staffFind(user) {
	const r = await api("POST", "/api/staff/user", { user });
	staffUser = r.user;
	$("staff-result").hidden = false;
	$("staff-summary").textContent = r.user + ": " + r.failures + " failed attempts" +
		(r.locked_until * 1000 > Date.now() ? ", locked until " + when(r.locked_until) : "") +
		"; " + r.recovery_left + " of " + r.recovery_total + " recovery codes left.";
	const ul = $("staff-factors");
	ul.textContent = "";
	for (const f of r.factors) {
		const li = document.createElement("li");
		li.textContent = f.label + " (" + typeName(f.type) + (f.active ? "" : ", not confirmed") + ") ";
		const b = document.createElement("button");
		b.className = "small";
		b.textContent = "Remove";
		b.addEventListener("click", async () => {
			if (!confirm("Remove " + f.label + " of " + staffUser + "?"))
				return;
			try { await api("POST", "/api/staff/remove", { user: staffUser, id: f.id }); await staffFind(staffUser); }
			catch (e) { say(e.message); }
		});
		li.append(b);
		ul.append(li);
	}
	fillRows($("staff-trail"), r.trail.map((e) => [when(e.time), e.event, e.nas_id || e.source,
		e.remote || e.station || "", e.outcome]));
}

$("form-staff-find").addEventListener("submit", async (ev) => {
	ev.preventDefault();
	$("staff-output").textContent = "";
	$("staff-codes").textContent = "";
	try { await staffFind($("staff-user").value); say(""); } catch (e) { say(e.message); }
});

$("staff-unlock").addEventListener("click", async () => {
	try { await api("POST", "/api/staff/unlock", { user: staffUser }); say("Unlocked.", true); await staffFind(staffUser); }
	catch (e) { say(e.message); }
});

$("staff-recovery").addEventListener("click", async () => {
	if (!confirm("New codes replace " + staffUser + "'s old ones. Continue?"))
		return;
	try {
		const r = await api("POST", "/api/staff/recovery", { user: staffUser });
		const ol = $("staff-codes");
		ol.textContent = "";
		for (const c of r.codes) {
			const li = document.createElement("li");
			li.textContent = c;
			ol.append(li);
		}
		$("staff-output").textContent = "Give these to " + staffUser + " by a safe way; they are shown only now.";
	} catch (e) { say(e.message); }
});

$("staff-invite").addEventListener("click", async () => {
	try {
		const r = await api("POST", "/api/staff/invite", { user: staffUser });
		$("staff-output").textContent = "One-time link for " + r.user + " (valid " +
			Math.round(r.expires_in / 3600) + " h): " + r.url;
	} catch (e) { say(e.message); }
});

// An approval link (/a/ID) from an ssh or VPN prompt: what is being
// approved, the number shown there among four, then the passkey. No session:
// the account is named only once the key has signed.
async function approvalView(id) {
	const base = "/api/approval/" + encodeURIComponent(id);
	show(["view-approval"]);
	let a;
	try { a = await api("GET", base); } catch (e) { say(e.message); return; }
	$("approval-service").textContent = a.service + (a.nas ? " (" + a.nas + ")" : "");
	$("approval-remote").textContent = a.remote || "unknown";
	$("approval-time").textContent = when(a.created) + ", valid until " + when(a.expires);
	$("approval-what").hidden = false;
	if (a.state !== "pending") {
		say(a.state === "approved" ? "This sign-in is approved already: go back to it." :
			"This approval was used or refused: start the sign-in again.");
		return;
	}
	const box = $("approval-choices");
	box.textContent = "";
	for (const n of a.choices) {
		const b = document.createElement("button");
		b.className = "choice";
		b.textContent = String(n);
		b.addEventListener("click", () => approve(base, n));
		box.append(b);
	}
	$("approval-choose").hidden = false;
}

async function approve(base, number) {
	const buttons = $("approval-choices").querySelectorAll("button");
	for (const b of buttons)
		b.disabled = true;
	try {
		const begin = await api("POST", base + "/begin");
		const cred = await navigator.credentials.get({
			publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begin.options) });
		const r = await api("POST", base + "/finish", { number, response: cred.toJSON() });
		$("approval-choose").hidden = true;
		say(r.message + (r.user ? " (as " + r.user + ")" : ""), true);
	} catch (e) {
		// The key's dialog closed without an answer: nothing was sent, try again.
		if (e.name === "NotAllowedError" || e.name === "AbortError") {
			for (const b of buttons)
				b.disabled = false;
			say("The security key gave no answer: choose the number again.");
			return;
		}
		$("approval-choose").hidden = true;
		say(e.message);
	}
}

(async () => {
	if (location.pathname.startsWith("/a/"))
		return approvalView(location.pathname.slice(3));
	try {
		await api("GET", "/api/session");
		// An invite link carries its token after '#': it never reaches a log.
		if (location.pathname === "/invite" && location.hash.length > 1) {
			const token = location.hash.slice(1);
			history.replaceState(null, "", "/");
			await api("POST", "/api/invite", { token });
		}
	} catch (e) { say(e.message); }
	await refresh();
})();
