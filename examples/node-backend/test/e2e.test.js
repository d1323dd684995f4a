'use strict'

// examples/node-backend end to end, as the backend runs it: the HTTP service
// (server.js) as child processes on a real PostgreSQL database, driven with
// OpenPhone-style webhooks; SMS go to a fake provider in this process that records
// them. Learning from operator replies, suggestions approved from the review route,
// automatic sends, webhook redelivery, the admin kill switch, a SIGKILL and restart
// mid-run, and two service processes on the same database at once.
//
// Needs PATTERN_LEARNING_TEST_POSTGRES (a server it may create databases on):
// bindings-node/scripts/test.sh runs it under scripts/with-postgres.

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const path = require('node:path')
const readline = require('node:readline')
const { execFileSync, spawn } = require('node:child_process')

const SERVER = process.env.PATTERN_LEARNING_TEST_POSTGRES
const SERVICE = path.join(__dirname, '..', 'server.js')

const GIFT = 'Yes! Gift cards are sold online at clubhouse247golf.com/gift-cards, from $25 to $500.'
const WIFI = 'The wifi password is on the wall next to bay 1.'
const HOURS = 'We are open 24/7: your booking code opens the door.'

/** Phrasings an operator answers by hand (the engine learns from them). */
const LEARN = [
  'do you sell gift cards',
  'can i buy a gift card',
  'do you have gift cards for sale',
  'where can i buy a gift card',
  'are gift cards available',
  'how do i get a gift card',
  'can i purchase a gift card online',
  'i want to buy a gift card for my dad',
]
/** Phrasings whose suggestion an operator approves from the review queue. */
const APPROVE = [
  'do you sell gift cards?',
  'can i buy a gift card please',
  'do you have any gift cards for sale',
  'where can i buy gift cards',
  'are gift cards available online',
  'how do i get a gift card for a friend',
]

// ---- PostgreSQL ------------------------------------------------------------------------

function psql(url, sql) {
  execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: 'pipe' })
}

/** A fresh database with V1's `decision_patterns` table (one row); its URL. */
function freshDatabase(t) {
  const name = `pl_e2e_${process.pid}`
  psql(SERVER, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  psql(SERVER, `CREATE DATABASE ${name}`)
  t.after(() => psql(SERVER, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  const url = SERVER.replace(/\/[^/]*$/, `/${name}`)
  psql(
    url,
    `CREATE TABLE decision_patterns (
       id SERIAL PRIMARY KEY, pattern_type VARCHAR(50) NOT NULL,
       pattern_signature VARCHAR(255) UNIQUE NOT NULL, trigger_text TEXT,
       trigger_keywords TEXT[], trigger_examples TEXT[] DEFAULT '{}',
       response_template TEXT, confidence_score DECIMAL(3,2) DEFAULT 0.50,
       auto_executable BOOLEAN DEFAULT FALSE, is_active BOOLEAN DEFAULT TRUE,
       created_at TIMESTAMP DEFAULT NOW());
     INSERT INTO decision_patterns (id, pattern_type, pattern_signature, trigger_text,
       trigger_examples, response_template, confidence_score, auto_executable)
     VALUES (501, 'hours', 'f0e1', 'are you open right now', '{"what are your hours"}',
       '${HOURS}', 0.90, true);`,
  )
  return url
}

// ---- the fake SMS provider ---------------------------------------------------------------

async function smsSink(t) {
  const sent = []
  const server = http.createServer(async (req, res) => {
    const chunks = []
    for await (const c of req) chunks.push(c)
    sent.push(JSON.parse(Buffer.concat(chunks).toString('utf8')))
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  return { url: `http://127.0.0.1:${server.address().port}/v1/messages`, sent }
}

// ---- the service processes -----------------------------------------------------------------

/** Starts server.js; resolves once it listens (at most 30 s). */
function startService(t, name, env) {
  const proc = spawn(process.execPath, [SERVICE], {
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs = []
  proc.stderr.on('data', (d) => logs.push(`${name} stderr: ${d}`))
  t.after(() => proc.kill('SIGKILL'))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${logs.join('\n')}`)), 30_000)
    proc.on('exit', (code) => reject(new Error(`${name} exited (${code}):\n${logs.join('\n')}`)))
    readline.createInterface({ input: proc.stdout }).on('line', (line) => {
      logs.push(line)
      const m = /listening on (http:\/\/\S+)/.exec(line)
      if (m) {
        clearTimeout(timer)
        resolve({ name, proc, base: m[1], logs })
      }
    })
  })
}

/** SIGKILLs a service and waits until it is gone. */
function kill(service) {
  return new Promise((resolve) => {
    service.proc.once('exit', resolve)
    service.proc.kill('SIGKILL')
  })
}

async function call(service, method, route, body) {
  const res = await fetch(service.base + route, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = await res.json()
  assert.ok(res.ok, `${service.name} ${method} ${route}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

let messageCount = 0

/** An OpenPhone `message.received` webhook; `id` repeats a delivery. */
function inbound(service, { from, body, conversationId, id = `AC${++messageCount}` }) {
  const object = { id, object: 'message', from, to: ['+19025550000'], direction: 'incoming', body, conversationId }
  return call(service, 'POST', '/webhooks/openphone', { type: 'message.received', data: { object } })
}

/** An OpenPhone webhook for a message an operator sent from the OpenPhone app. */
function operatorReply(service, { to, body, conversationId }) {
  const object = { id: `AC${++messageCount}`, from: '+19025550000', to: [to], direction: 'outgoing', body, conversationId, userId: 'US-ana' }
  return call(service, 'POST', '/webhooks/openphone', { type: 'message.delivered', data: { object } })
}

/** A customer in a conversation of their own (guards are per conversation). */
let customers = 0
function customer() {
  customers += 1
  return { from: `+1902555${String(1000 + customers)}`, conversationId: `CN${customers}` }
}

function repliesTo(sms, id) {
  return sms.sent.filter((s) => s.inReplyTo === id)
}

test('the V1 backend flow on PostgreSQL: learn, approve, auto-send, crash, restart, two processes', { timeout: 180_000 }, async (t) => {
  assert.ok(SERVER, 'PATTERN_LEARNING_TEST_POSTGRES is not set: run under scripts/with-postgres (bindings-node/scripts/test.sh does)')
  const url = freshDatabase(t)
  const sms = await smsSink(t)
  const env = { PATTERN_LEARNING_STORE: url, PATTERN_LEARNING_ENV: 'production', SMS_SINK_URL: sms.url, IMPORT_V1_PATTERNS: '1' }
  let a = await startService(t, 'A', env)
  assert.ok(a.logs.includes('V1 patterns: 1 imported, 0 already present'), a.logs.join('\n'))

  // 1. Nothing learned: silent hand-offs; the operators' replies are learned.
  for (const body of LEARN) {
    const who = customer()
    const r = await inbound(a, { ...who, body })
    assert.equal(r.sent, false, JSON.stringify(r))
    assert.equal((await operatorReply(a, { to: who.from, body: GIFT, conversationId: who.conversationId })).learned, true)
  }
  const learned = (await call(a, 'GET', '/admin/patterns')).filter((p) => p.responseTemplate === GIFT)
  assert.equal(learned.length, 1, 'the answers join one pattern')
  const gift = learned[0].id

  // 2. Suggestions, approved from the review queue: each approval earns trust.
  for (const body of APPROVE) {
    const r = await inbound(a, { ...customer(), body })
    assert.ok(['suggest', 'queue'].includes(r.action), `${body}: ${JSON.stringify(r)}`)
    assert.equal((await call(a, 'POST', `/review/${r.decisionId}/approve`, { operatorId: 'US-ana' })).patternId, gift)
  }
  assert.equal(sms.sent.filter((s) => s.kind === 'approved_suggestion').length, APPROVE.length)

  // 3. An admin asks for 4 approvals (production alone asks for 2) and approves the
  //    pattern for automatic sending: a new customer gets the reply automatically.
  await call(a, 'PUT', '/admin/safety-settings', { approvalThreshold: 4 })
  await call(a, 'PUT', `/admin/patterns/${gift}`, { autoExecutable: true })
  const first = customer()
  const auto = await inbound(a, { ...first, body: 'do you sell gift cards?', id: 'AC-auto-1' })
  assert.equal(auto.action, 'auto_execute', JSON.stringify(auto))
  assert.deepEqual(repliesTo(sms, 'AC-auto-1').map((s) => [s.to[0], s.content]), [[first.from, `${GIFT}\n\n- ClubAI`]])

  // 4. OpenPhone delivers the same webhook again: nothing is sent twice.
  const again = await inbound(a, { ...first, body: 'do you sell gift cards?', id: 'AC-auto-1' })
  assert.equal(again.reason, 'duplicate_message')
  assert.equal(repliesTo(sms, 'AC-auto-1').length, 1)

  // 5. The kill switch and a safety change, then a SIGKILL and a restart: both hold,
  //    the learned pattern is there, and the first-boot import imports nothing new.
  await call(a, 'PUT', '/admin/config', { enabled: false })
  await call(a, 'PUT', '/admin/safety-thresholds', { aiResponseLimit: 2 })
  const patternsBefore = (await call(a, 'GET', '/admin/patterns')).length
  await kill(a)
  a = await startService(t, 'A2', env)
  assert.ok(a.logs.includes('V1 patterns: 0 imported, 1 already present'), a.logs.join('\n'))
  assert.equal((await call(a, 'GET', '/admin/config')).enabled, false, 'the kill switch survives the restart')
  assert.equal((await call(a, 'GET', '/admin/safety-thresholds')).aiResponseLimit, 2)
  const patterns = await call(a, 'GET', '/admin/patterns')
  assert.equal(patterns.length, patternsBefore)
  assert.ok(patterns.some((p) => p.id === gift && p.autoExecutable))
  assert.ok(patterns.some((p) => p.id === 501 && p.responseTemplate === HOURS), 'the imported V1 pattern')
  const off = await inbound(a, { ...customer(), body: 'do you sell gift cards?', id: 'AC-off' })
  assert.equal(off.reason, 'pattern_learning_disabled')
  assert.equal(repliesTo(sms, 'AC-off').length, 0, 'disabled sends nothing')
  await call(a, 'PUT', '/admin/config', { enabled: true })

  // 6. A SIGKILL while webhooks are in flight; OpenPhone redelivers them all to the
  //    restarted service: no message is answered twice.
  const burst = Array.from({ length: 8 }, (_, i) => ({ ...customer(), body: APPROVE[i % APPROVE.length], id: `AC-burst-${i}` }))
  const inFlight = burst.map((m) => inbound(a, m).catch(() => null))
  await Promise.race(inFlight)
  await kill(a)
  const answered = (await Promise.all(inFlight)).filter(Boolean).length
  const sentBefore = burst.filter((m) => repliesTo(sms, m.id).length > 0).length
  a = await startService(t, 'A3', env)
  const redelivered = await Promise.all(burst.map((m) => inbound(a, m)))
  for (const m of burst) assert.ok(repliesTo(sms, m.id).length <= 1, `${m.id} answered twice`)
  assert.ok(redelivered.every((r) => r.action !== 'auto_execute' || r.sent))
  const sentAfter = burst.filter((m) => repliesTo(sms, m.id).length > 0).length
  t.diagnostic(`burst of ${burst.length}: ${answered} answered before the SIGKILL, ${sentBefore} replies sent before it, ${sentAfter} after the redelivery`)

  // 7. A second process on the same database.
  const b = await startService(t, 'B', env)
  // An operator takes a conversation over through A: B does not answer there.
  const taken = customer()
  await operatorReply(a, { to: taken.from, body: 'Hi! Happy to help.', conversationId: taken.conversationId })
  const held = await inbound(b, { ...taken, body: 'do you sell gift cards?', id: 'AC-taken' })
  assert.notEqual(held.action, 'auto_execute', JSON.stringify(held))
  assert.equal(repliesTo(sms, 'AC-taken').length, 0)
  // One delivery reaches both processes at once: one reply.
  const both = customer()
  await Promise.all([a, b].map((s) => inbound(s, { ...both, body: 'do you sell gift cards?', id: 'AC-both' })))
  assert.equal(repliesTo(sms, 'AC-both').length, 1)
  // What B learns, A proposes.
  const wifiAsked = customer()
  await inbound(b, { ...wifiAsked, body: 'what is the wifi password' })
  await operatorReply(b, { to: wifiAsked.from, body: WIFI, conversationId: wifiAsked.conversationId })
  const wifi = await inbound(a, { ...customer(), body: 'what is the wifi password?' })
  assert.ok(['suggest', 'queue'].includes(wifi.action), JSON.stringify(wifi))
  const queued = await call(a, 'GET', '/review/queue')
  assert.ok(queued.some((q) => q.response === `${WIFI}\n\n- ClubAI`))

  // Everything the provider was asked to send: never twice for one message, never a
  // placeholder.
  const kinds = {}
  for (const s of sms.sent) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1
  t.diagnostic(`SMS sent: ${JSON.stringify(kinds)}`)
  const ids = sms.sent.map((s) => s.inReplyTo)
  assert.equal(new Set(ids).size, ids.length, 'a message was answered twice')
  assert.ok(sms.sent.every((s) => !s.content.includes('{{')))
})
