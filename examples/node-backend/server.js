'use strict'

// The SMS side of the ClubOS V1 backend as a small HTTP service on
// @clubos/pattern-learning, with the V1 service calls the backend makes
// (docs/v1-behaviour.md):
//
//   POST /webhooks/openphone  OpenPhone webhook JSON (message.received / message.delivered)
//     inbound  → checkMessageSafety → processMessage → send / queue for review / hand off
//     outbound → an operator's reply: learnFromHumanResponse (learns + operator takeover)
//   GET  /review/queue, POST /review/:decisionId/approve   the review queue
//   GET|PUT /admin/config, /admin/safety-thresholds, /admin/safety-settings
//   GET /admin/patterns, PUT /admin/patterns/:id          V1's /api/patterns admin routes
//
// Environment:
//   PATTERN_LEARNING_STORE  where the package keeps its state (a postgres:// URL: the
//                           backend's own database); required with PATTERN_LEARNING_ENV
//                           or NODE_ENV = production
//   SMS_SINK_URL            where SMS go (OpenPhone's send-message API, or a fake)
//   IMPORT_V1_PATTERNS=1    import V1's decision_patterns at start-up (idempotent)
//   PORT                    default 8080; 0 picks a free port (printed at start-up)

const http = require('node:http')

const {
  patternLearningService: learning,
  patternSafetyService: safety,
  PatternLearningError,
} = require('@clubos/pattern-learning')

const SINK = process.env.SMS_SINK_URL
const OUR_NUMBER = process.env.OPENPHONE_NUMBER || '+19025550000'
const MAX_BODY = 1 << 20

// ---- stand-ins for the backend's own tables (kept in memory in this example) -------

/** The last customer message per conversation (the backend reads its messages table). */
const lastCustomerMessage = new Map()
/** Suggestions waiting for an operator (V1's pattern_suggestions_queue). */
const reviewQueue = new Map()

// ---- the SMS provider ---------------------------------------------------------------

/** Sends an SMS through the provider; `inReplyTo` is the inbound message it answers. */
async function sendSms(to, content, inReplyTo, kind) {
  const res = await fetch(SINK, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: OUR_NUMBER, to: [to], content, inReplyTo, kind }),
  })
  if (!res.ok) throw new Error(`SMS provider answered ${res.status}`)
}

// ---- the webhook ----------------------------------------------------------------------

/** An inbound customer message: safety first, then the engine's decision. */
async function onInbound({ id, from, body, conversationId }) {
  lastCustomerMessage.set(conversationId, body)
  const verdict = await safety.checkMessageSafety(body, conversationId, from)
  if (!verdict.safe && verdict.alertType === 'escalation' && !verdict.suggestedResponse) {
    return { action: 'escalate', reason: verdict.reason, sent: false }
  }
  // Never rejects; the message id makes a redelivered webhook harmless.
  const result = await learning.processMessage(body, from, conversationId, undefined, { messageId: id })
  let sent = false
  if (result.action === 'auto_execute' && result.response) {
    await sendSms(from, result.response, id, 'auto_reply')
    sent = true
  } else if ((result.action === 'suggest' || result.action === 'queue') && result.response) {
    reviewQueue.set(result.decisionId, { id, from, body, conversationId, result })
  } else if (result.action === 'escalate' && result.response) {
    // A hand-off notice (rapid messages, reply cap, sentiment, an admin's fallback).
    await sendSms(from, result.response, id, 'hand_off_notice')
    sent = true
  }
  return { action: result.action, reason: result.reason, decisionId: result.decisionId, sent }
}

/** An outbound message: an operator's reply is learned and takes the conversation over. */
async function onOutbound({ to, body, conversationId, userId }) {
  // Never rejects; replies signed "- ClubAI" (the engine's own) are not learned.
  const learned = await learning.learnFromHumanResponse(
    lastCustomerMessage.get(conversationId) ?? '',
    body,
    [],
    conversationId,
    to,
    userId,
  )
  return { learned: learned.learned, skipped: learned.skipped }
}

async function webhook(event) {
  const message = event && event.data && event.data.object
  if (!message || typeof message.body !== 'string' || typeof message.id !== 'string') {
    throw new BadRequest('expected an OpenPhone message event')
  }
  const conversationId = message.conversationId || message.from
  if (event.type === 'message.received' && message.direction === 'incoming') {
    return onInbound({ id: message.id, from: message.from, body: message.body, conversationId })
  }
  if (message.direction === 'outgoing') {
    const to = Array.isArray(message.to) ? message.to[0] : message.to
    return onOutbound({ to, body: message.body, conversationId: message.conversationId || to, userId: message.userId })
  }
  return { ignored: event.type }
}

// ---- the review queue -----------------------------------------------------------------

/** An operator sends a queued suggestion as proposed: the approval earns the pattern trust. */
async function approve(decisionId, operatorId) {
  const entry = reviewQueue.get(decisionId)
  if (!entry) throw new NotFound(`no queued suggestion ${decisionId}`)
  reviewQueue.delete(decisionId)
  await sendSms(entry.from, entry.result.response, entry.id, 'approved_suggestion')
  const outcome = await learning.engine.feedback({
    query: entry.body,
    action: 'approve',
    decisionId,
    context: { userId: operatorId, sessionId: entry.conversationId },
  })
  return { patternId: outcome.judgedPattern, promoted: outcome.promoted }
}

// ---- HTTP -----------------------------------------------------------------------------

class BadRequest extends Error {}
class NotFound extends Error {}

/** The routes: [method, path pattern, handler(params, body)]. */
const ROUTES = [
  ['POST', /^\/webhooks\/openphone$/, (_, body) => webhook(body)],
  ['GET', /^\/review\/queue$/, () => [...reviewQueue.values()].map(({ result, body }) => ({ decisionId: result.decisionId, body, response: result.response }))],
  ['POST', /^\/review\/([^/]+)\/approve$/, ([id], body) => approve(id, body && body.operatorId)],
  ['GET', /^\/admin\/config$/, () => learning.getConfig()],
  ['PUT', /^\/admin\/config$/, (_, body) => learning.engine.setConfig(body)],
  ['GET', /^\/admin\/safety-thresholds$/, () => safety.getSafetyThresholds()],
  ['PUT', /^\/admin\/safety-thresholds$/, (_, body) => safety.updateSafetyThresholds(body)],
  ['GET', /^\/admin\/safety-settings$/, () => safety.getSettings()],
  ['PUT', /^\/admin\/safety-settings$/, (_, body) => safety.updateSettings(body)],
  ['GET', /^\/admin\/patterns$/, () => learning.engine.patterns({ includeInactive: true })],
  ['PUT', /^\/admin\/patterns\/(\d+)$/, ([id], body) => learning.engine.setAutoExecutable(Number(id), Boolean(body && body.autoExecutable))],
  ['GET', /^\/health$/, () => ({ ok: true })],
]

async function readJson(req) {
  let size = 0
  const chunks = []
  for await (const chunk of req) {
    size += chunk.length
    if (size > MAX_BODY) throw new BadRequest('body too large')
    chunks.push(chunk)
  }
  if (chunks.length === 0) return undefined
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new BadRequest('body is not JSON')
  }
}

function statusOf(err) {
  if (err instanceof BadRequest || err instanceof PatternLearningError) return 400
  if (err instanceof NotFound) return 404
  return 500
}

async function handle(req, res) {
  const path = new URL(req.url, 'http://localhost').pathname
  let status = 200
  let payload
  try {
    const route = ROUTES.find(([method, pattern]) => method === req.method && pattern.test(path))
    if (!route) throw new NotFound(`no route ${req.method} ${path}`)
    payload = await route[2](path.match(route[1]).slice(1), await readJson(req))
  } catch (err) {
    status = statusOf(err)
    payload = { error: err.message, code: err.code }
    if (status === 500) console.error(err)
  }
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(payload ?? null))
}

async function main() {
  if (!SINK) throw new Error('set SMS_SINK_URL')
  // Opens the store named by PATTERN_LEARNING_STORE; a misconfiguration stops here.
  await learning.ready()
  if (process.env.IMPORT_V1_PATTERNS === '1') {
    const imported = await learning.importV1Patterns()
    console.log(`V1 patterns: ${imported.imported.length} imported, ${imported.alreadyPresent.length} already present`)
  }
  const server = http.createServer((req, res) => void handle(req, res))
  server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}`)
  })
}

main().catch((err) => {
  console.error(`start-up failed: ${err.code ? `${err.code}: ` : ''}${err.message}`)
  process.exit(1)
})
