'use strict'

// The modern API: PatternEngine.

const test = require('node:test')
const assert = require('node:assert/strict')

const { PatternEngine, PatternLearningError, ErrorCode } = require('..')

const GIFT = 'Yes! Gift cards are sold online, from $25 to $500.'
const GIFT_PHRASINGS = [
  'do you sell gift cards',
  'can i buy a gift card',
  'do you have gift cards for sale',
  'where can i buy a gift card',
  'are gift cards available',
  'can i purchase a gift card online',
]

async function teach(engine, phrasings, reply) {
  let id
  for (const query of phrasings) {
    const out = await engine.feedback({ query, action: 'answer', sentReply: reply })
    id = out.learnedPattern
  }
  return id
}

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof PatternLearningError, `not a PatternLearningError: ${err}`)
    assert.equal(err.code, code, err.message)
    return true
  })
}

function throwsWith(fn, code) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof PatternLearningError, `not a PatternLearningError: ${err}`)
    assert.equal(err.code, code, err.message)
    return true
  })
}

test('an unknown message is a silent hand-off', async () => {
  const engine = new PatternEngine()
  const d = await engine.process('Do you sell gift cards?', { conversationId: 'c1' })
  assert.equal(d.action, 'escalate')
  assert.equal(d.reason, 'no_matching_pattern')
  assert.equal(typeof d.confidence, 'number')
  assert.equal(d.outbound, undefined)
  assert.equal(d.topic, 'gift_cards')
  assert.deepEqual(d.safety, { safe: true })
  assert.equal(typeof d.evidence.similarity, 'number')
})

test('operator answers are learned and proposed, with evidence', async () => {
  const engine = new PatternEngine()
  const id = await teach(engine, GIFT_PHRASINGS, GIFT)
  assert.equal(engine.patternCount, 1)
  const d = await engine.process('do you sell gift cards?', { conversationId: 'c2', customerName: 'Sam' })
  assert.ok(['suggest', 'queue'].includes(d.action), d.action)
  assert.equal(d.patternId, id)
  assert.equal(d.response, GIFT)
  assert.ok(d.confidence > 0 && d.confidence <= 1)
  assert.ok(Array.isArray(d.evidence.gates))
  assert.equal(typeof d.evidence.nearestExample, 'string')
  const p = engine.pattern(id)
  assert.equal(p.provenance, 'learned')
  assert.equal(p.isActive, true)
  assert.equal(p.autoExecutable, false)
  assert.equal(p.triggerExamples.length, GIFT_PHRASINGS.length)
})

test('approvals through V2 feedback move confidence; decisions link by id', async () => {
  const engine = new PatternEngine()
  const id = await teach(engine, GIFT_PHRASINGS, GIFT)
  const d = await engine.process('can i buy gift cards', {})
  const out = await engine.feedback({
    id: 'fb-1',
    query: 'can i buy gift cards',
    response: d.response,
    confidence: d.confidence,
    feedback: { rating: 'helpful' },
    context: { userId: 'op-7', sessionId: 'c3' },
    decisionId: d.id,
  })
  assert.equal(out.action, 'approve')
  assert.equal(out.judgedPattern, id)
  assert.ok(out.confidenceChange.after > out.confidenceChange.before)
  const again = await engine.feedback({ id: 'fb-1', query: 'can i buy gift cards', feedback: { rating: 'helpful' }, decisionId: d.id })
  assert.equal(again.duplicate, true)
  const rejected = await engine.feedback({ query: 'gift card balance?', action: 'reject', patternId: id })
  assert.equal(rejected.action, 'reject')
  const history = engine.history(id)
  assert.deepEqual(
    history.map((e) => e.kind).slice(-2),
    ['approved', 'rejected'],
  )
  assert.equal(history[history.length - 2].actor, 'op-7')
  assert.equal(engine.history().length >= history.length, true)
})

test('an approved pattern auto-executes; the outbound text is what to send', async () => {
  const engine = new PatternEngine({ profile: 'v1' })
  const id = await teach(engine, GIFT_PHRASINGS, GIFT)
  await engine.setAutoExecutable(id, true)
  // Loose tiers and gates, no approval rule: this test is about the API, not about scoring.
  engine.setConfig({ thresholds: { auto: 0.3, suggest: 0.2, queue: 0.1 }, gates: { neighbours: 1, minMargin: 0, minSupport: 1 } })
  engine.updateSafetySettings({ requireApprovalForNew: false })
  const d = engine.processSync('do you sell gift cards', { conversationId: 'c4', messageId: 'm-1' })
  assert.equal(d.action, 'auto_execute', JSON.stringify(d.evidence))
  assert.deepEqual(d.outbound, { text: GIFT, kind: 'reply' })
  assert.equal(d.messageId, 'm-1')
  // The same inbound message id is never answered twice.
  const dup = engine.processSync('do you sell gift cards', { conversationId: 'c4', messageId: 'm-1' })
  assert.equal(dup.reason, 'duplicate_message')
  assert.equal(dup.outbound, undefined)
  // An operator takeover stops automatic replies in that conversation.
  engine.recordOperatorMessage('c5', 'do you sell gift cards')
  const locked = engine.processSync('do you sell gift cards', { conversationId: 'c5' })
  assert.notEqual(locked.action, 'auto_execute')
})

test('pattern management: create, update, flags, delete, restore, list', async () => {
  const engine = new PatternEngine()
  const p = await engine.createPattern({
    triggerExamples: ['the trackman in bay 3 is frozen', 'trackman frozen'],
    responseTemplate: 'Resetting bay {{bay_number|your bay}} now.',
    actionTemplate: { actions: [{ type: 'reset_trackman', bay: '{{bay_number}}' }] },
    triggerKeywords: ['trackman'],
  })
  assert.equal(p.provenance, 'manual')
  assert.equal(p.topic, 'tech_support')
  assert.equal(p.confidence, 0.7)
  const d = await engine.process('the trackman in bay 3 is frozen')
  assert.equal(d.patternId, p.id)
  assert.equal(d.response, 'Resetting bay 3 now.')
  assert.deepEqual(d.actions, { actions: [{ type: 'reset_trackman', bay: '3' }] })

  const u = await engine.updatePattern(p.id, { responseTemplate: 'Resetting it now.', confidence: 0.8 })
  assert.equal(u.responseTemplate, 'Resetting it now.')
  assert.equal(u.confidence, 0.8)
  const cleared = await engine.updatePattern(p.id, { clearActionTemplate: true })
  assert.equal(cleared.actionTemplate, undefined)
  assert.equal((await engine.setActive(p.id, false)).isActive, false)
  assert.equal(engine.patterns().length, 0)
  assert.equal(engine.patterns({ includeInactive: true }).length, 1)
  assert.equal((await engine.setActive(p.id, true)).isActive, true)
  assert.equal((await engine.setAutoExecutable(p.id, true)).autoExecutable, true)
  assert.equal((await engine.deletePattern(p.id)).isDeleted, true)
  assert.equal(engine.patterns({ includeInactive: true }).length, 0)
  assert.equal(engine.patterns({ includeDeleted: true, includeInactive: true }).length, 1)
  assert.equal((await engine.restorePattern(p.id)).isDeleted, false)
  assert.equal(engine.pattern(999), null)
  assert.deepEqual(
    engine.history(p.id).map((e) => e.kind),
    ['created', 'updated', 'updated', 'active_changed', 'active_changed', 'auto_changed', 'deleted', 'restored'],
  )
})

test('caller-supplied embeddings: Float32Array (or number[]) on patterns and messages', async () => {
  const engine = new PatternEngine()
  const p = await engine.createPattern({
    triggerExamples: ['do you sell gift cards', 'gift certificates?'],
    responseTemplate: GIFT,
    embeddings: [new Float32Array([1, 0, 0, 0]), [0.9, 0.1, 0, 0]],
  })
  const d = await engine.process('do you sell gift cards', { embedding: new Float32Array([1, 0, 0, 0]) })
  assert.equal(d.patternId, p.id)
  assert.equal(typeof d.evidence.semantic, 'number')
  await rejectsWith(engine.process('x', { embedding: new Float32Array([1, 0]) }), 'INVALID_EMBEDDING')
  await rejectsWith(engine.process('x', { embedding: new Float32Array([NaN, 0, 0, 0]) }), 'INVALID_EMBEDDING')
  await rejectsWith(
    engine.createPattern({ triggerExamples: ['a b', 'c d'], responseTemplate: 'r', embeddings: [[1, 0, 0, 0]] }),
    'INVALID_EMBEDDING',
  )
})

test('configuration: profiles, camelCase patches, typed errors', () => {
  const seed = new PatternEngine().getConfig()
  assert.equal(seed.profile, 'seed')
  assert.equal(seed.thresholds.auto, 0.85)
  assert.equal(seed.targetPrecision, null)
  assert.equal(seed.gates.clearLead, 0.15)
  assert.equal(seed.gates.clearLeadDissent, 1)
  const v1 = new PatternEngine({ profile: 'v1', config: { shadowMode: true } }).getConfig()
  assert.equal(v1.thresholds.auto, 0.65)
  assert.equal(v1.thresholds.inclusive, true)
  assert.equal(v1.shadowMode, true)

  const engine = new PatternEngine()
  const next = engine.setConfig({ thresholds: { auto: 0.9 }, guards: { maxAutoSendsPerHour: null } })
  assert.equal(next.thresholds.auto, 0.9)
  assert.equal(next.thresholds.suggest, seed.thresholds.suggest)
  assert.equal(next.guards.maxAutoSendsPerHour, null)
  assert.deepEqual(engine.getConfig(), next)
  // A full round trip is accepted.
  assert.deepEqual(engine.setConfig(engine.getConfig()), next)
  assert.equal(engine.setConfig({ gates: { clearLeadDissent: 0 } }).gates.clearLeadDissent, 0)
  engine.setConfig({ gates: { clearLeadDissent: 1 } })

  throwsWith(() => engine.setConfig({ thresholds: { queue: 0.95 } }), 'THRESHOLDS_OUT_OF_ORDER')
  throwsWith(() => engine.setConfig({ thresholds: { auto: 2 } }), 'INVALID_CONFIG')
  throwsWith(() => engine.setConfig({ gates: { clearLead: 1.5 } }), 'INVALID_CONFIG')
  throwsWith(() => engine.setConfig({ minConfidenceToAct: 0.9 }), 'UNKNOWN_SETTING')
  throwsWith(() => engine.setConfig({ thresholds: { auto: NaN } }), 'INVALID_ARGUMENT')
  throwsWith(() => engine.setConfig('shadow'), 'INVALID_ARGUMENT')
  assert.deepEqual(engine.getConfig(), next, 'a failed update changes nothing')
  throwsWith(() => new PatternEngine({ profile: 'v2' }), 'INVALID_CONFIG')
  throwsWith(() => new PatternEngine({ config: { thresholds: { suggest: 0.99 } } }), 'THRESHOLDS_OUT_OF_ORDER')
  throwsWith(() => new PatternEngine({ safetyThresholds: { aiResponseLimit: 50 } }), 'INVALID_CONFIG')
  throwsWith(() => new PatternEngine({ safetySettings: { nope: 1 } }), 'UNKNOWN_SETTING')
})

test('a disabled engine never sends', async () => {
  const engine = new PatternEngine({ config: { enabled: false } })
  const id = await teach(engine, GIFT_PHRASINGS, GIFT)
  await engine.setAutoExecutable(id, true)
  const d = await engine.process('do you sell gift cards')
  assert.equal(d.action, 'escalate')
  assert.equal(d.reason, 'disabled')
  assert.equal(d.outbound, undefined)
})

test('safety: verdicts in V1 shape, thresholds and settings', () => {
  const engine = new PatternEngine()
  assert.deepEqual(engine.checkMessageSafety('Can I book a bay for tomorrow?'), { safe: true })
  const sentiment = engine.checkMessageSafety('This is ridiculous, the screen is still not working')
  assert.equal(sentiment.safe, false)
  assert.equal(sentiment.reason, 'negative_sentiment_detected')
  assert.equal(sentiment.alertType, 'escalation')
  assert.deepEqual(sentiment.triggeredKeywords, ['negative_sentiment'])
  assert.equal(typeof sentiment.suggestedResponse, 'string')
  // Whole words, not substrings (V1 flagged "issue" for `sue`).
  assert.deepEqual(engine.checkMessageSafety('I have an issue with the trackman'), { safe: true })

  const t = engine.updateSafetyThresholds({ aiResponseLimit: 5, negativeSentimentPatterns: [] })
  assert.equal(t.aiResponseLimit, 5)
  assert.deepEqual(engine.checkMessageSafety('this is ridiculous'), { safe: true })
  assert.equal(engine.resetSentimentRules().negativeSentimentPatterns.length, 8)
  assert.deepEqual(PatternEngine.defaultSentimentRules(), engine.getSafetyThresholds().negativeSentimentPatterns)
  throwsWith(() => engine.updateSafetyThresholds({ negativeSentimentPatterns: [{ pattern: '(', severity: 'high' }] }), 'INVALID_RULE')
  throwsWith(() => engine.updateSafetyThresholds({ bogus: 1 }), 'UNKNOWN_SETTING')

  const s = engine.updateSafetySettings({ blacklistTopics: ['gift card'] })
  assert.deepEqual(s.blacklistTopics, ['gift card'])
  assert.equal(engine.checkMessageSafety('Do you sell a gift card?').alertType, 'blacklist')
  assert.deepEqual(engine.getSafetySettings(), s)
})

test('errors: typed codes, promises reject (never throw synchronously)', async () => {
  const engine = new PatternEngine()
  await rejectsWith(engine.deletePattern(42), 'UNKNOWN_PATTERN')
  await rejectsWith(engine.deletePattern(-1), 'INVALID_ARGUMENT')
  await rejectsWith(engine.createPattern({ triggerExamples: ['?!'], responseTemplate: 'x' }), 'INVALID_PATTERN')
  await rejectsWith(engine.feedback({ query: 'hello there' }), 'INVALID_FEEDBACK')
  await rejectsWith(engine.feedback({ query: 'hi', action: 'approve', patternId: 7 }), 'UNKNOWN_PATTERN')
  await rejectsWith(engine.feedback({ query: 'x'.repeat(20000), action: 'answer', sentReply: 'y' }), 'TEXT_TOO_LONG')
  await rejectsWith(engine.process(42), 'INVALID_ARGUMENT')
  await rejectsWith(engine.process('hi', 'ctx'), 'INVALID_ARGUMENT')
  await rejectsWith(engine.feedback(), 'INVALID_ARGUMENT')
  const p = engine.process(undefined)
  assert.ok(p instanceof Promise)
  await rejectsWith(p, 'INVALID_ARGUMENT')
  const err = await engine.deletePattern(42).catch((e) => e)
  assert.equal(err.name, 'PatternLearningError')
  assert.ok(err instanceof Error)
  assert.match(err.message, /no pattern with id 42/)
  assert.equal(ErrorCode.UNKNOWN_PATTERN, 'UNKNOWN_PATTERN')
})

test('process runs off the JS thread: many concurrent calls resolve in order', async () => {
  const engine = new PatternEngine()
  await teach(engine, GIFT_PHRASINGS, GIFT)
  const results = await Promise.all(
    Array.from({ length: 500 }, (_, i) => engine.process(`do you sell gift cards ${i % 7}`, { conversationId: `c${i}` })),
  )
  assert.equal(results.length, 500)
  assert.ok(results.every((d) => typeof d.id === 'string' && d.id.length === 36))
  assert.equal(new Set(results.map((d) => d.id)).size, 500)
})

test('decisions, outcomes and patterns wrap the core value; toJSON and inspect show every property', async () => {
  const util = require('node:util')
  const engine = new PatternEngine({ profile: 'v1' })
  const outcome = await engine.feedback({ query: 'do you sell gift cards', action: 'answer', sentReply: GIFT })
  const d = await engine.process('do you sell gift cards', { conversationId: 'json-1', messageId: 'm-1' })
  const p = engine.pattern(outcome.learnedPattern)
  for (const value of [d, outcome, p]) {
    const proto = Object.getPrototypeOf(value)
    const getters = Object.entries(Object.getOwnPropertyDescriptors(proto))
      .filter(([, desc]) => typeof desc.get === 'function')
      .map(([name]) => name)
    assert.ok(getters.length >= 7, proto.constructor.name)
    const plain = JSON.parse(JSON.stringify(value))
    for (const name of getters) {
      if (value[name] === undefined) assert.equal(name in plain, false, name)
      else assert.deepEqual(plain[name], JSON.parse(JSON.stringify(value[name])), name)
    }
    assert.deepEqual(value.toJSON(), plain)
    assert.match(util.inspect(value), new RegExp(`^${proto.constructor.name} \\{`))
  }
  assert.equal(d.messageId, 'm-1')
  assert.equal(d.patternId, p.id)
  assert.equal(d.wouldAction, undefined)
  assert.equal(outcome.judgedPattern, undefined)
  assert.equal(p.responseTemplate, GIFT)
  assert.equal(typeof p.createdAt, 'number')
  assert.deepEqual(Object.keys(d), [], 'properties are getters on the class, not copied fields')
})

test('feedback naming an unknown decision is UNKNOWN_DECISION, not another pattern', async () => {
  const engine = new PatternEngine()
  const unknown = '0190f3c2-7a1e-7c3d-9f4e-000000000001'
  await assert.rejects(
    engine.feedback({ query: 'gift cards?', action: 'approve', decisionId: unknown }),
    (e) => e instanceof PatternLearningError && e.code === 'UNKNOWN_DECISION',
  )
})
