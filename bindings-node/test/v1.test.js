'use strict'

// The V1-compatible surface: V1's names, argument order and result shapes
// (docs/v1-behaviour.md), and V1's "never throws" guarantees.

const test = require('node:test')
const assert = require('node:assert/strict')

const pl = require('..')
const { createV1Service, PatternEngine, PatternLearningError } = pl

const GIFT = 'Yes! Gift cards are sold online, from $25 to $500.'
const SIGNED_GIFT = `${GIFT}\n\n- ClubAI`

function quietService(options = {}) {
  const logged = []
  const service = createV1Service({ logger: { error: (m) => logged.push(m) }, ...options })
  return { service, logged }
}

test('generateSignature reproduces V1 (golden vectors, docs/v1-behaviour.md)', () => {
  const golden = {
    'Do you sell gift cards?': '8c75e70ab6784fc2ae46aef35313ad46',
    '  DO YOU   sell gift-cards!! ': 'c52a9f36303311b73e6db5bef14affa7',
    'The trackman in bay 3 is frozen': 'b616e9e8dee7ea7abe8c5ae878a54a71',
    Thanks: '71d3e8b42792b5e476804f4f7fbddc58',
    'thanks!': '71d3e8b42792b5e476804f4f7fbddc58',
    'Café hours?': 'ace646e42ca14b95cd1b7a9803ea4389',
    'Can I bring food & drinks?': '7f724d55861c44e4c5f6bdceceb2b8ec',
    '': 'd41d8cd98f00b204e9800998ecf8427e',
  }
  for (const [input, md5] of Object.entries(golden)) {
    assert.equal(pl.generateSignature(input), md5, input)
    assert.equal(pl.patternLearningService.generateSignature(input), md5, input)
  }
})

test('topic detection reproduces V1 (golden vectors, docs/v1-behaviour.md)', () => {
  const golden = {
    'Can I book a bay for 5pm?': 'booking',
    'The TrackMan is frozen': 'tech_support',
    'Hello!': 'general',
    'What are your hours today?': 'hours',
    'How much per hour?': 'pricing',
    'The door code is not working': 'tech_support',
    'Can I cancel my booking? the screen was frozen': 'tech_support',
    'Is there a membership plan?': 'membership',
  }
  for (const [input, topic] of Object.entries(golden)) assert.equal(pl.detectMessageTopic(input), topic, input)
  assert.equal(pl.getTopicLabel('pricing'), 'Pricing & Rates')
  assert.equal(pl.getTopicLabel('weather'), 'General Inquiry')
  assert.equal(pl.getTopicLabel(null), 'General Inquiry')
  assert.equal(pl.isSameTopic(null, 'general'), true)
  assert.equal(pl.isSameTopic('booking', 'hours'), false)
  assert.deepEqual(pl.getAvailableTopics(), ['tech_support', 'access', 'booking', 'gift_cards', 'pricing', 'membership', 'hours', 'general'])
})

test('processMessage: no match is a silent hand-off whose answer should be learned', async () => {
  const { service } = quietService()
  const r = await service.processMessage('Do you sell gift cards?', '+19025550100', 'conv-1', 'Sam')
  assert.equal(r.action, 'escalate')
  assert.equal(r.reason, 'no_matching_pattern')
  assert.equal(r.learnFromResponse, true)
  assert.equal(r.response, undefined)
  assert.equal(typeof r.confidence, 'number')
})

test('the V1 learning loop: answer → suggest → approve → auto_execute', async () => {
  const { service } = quietService()
  for (const q of ['do you sell gift cards', 'can i buy a gift card', 'are gift cards available', 'do you have gift cards for sale']) {
    const learned = await service.learnFromHumanResponse(q, GIFT, [], 'teach', '+1', 'op-1')
    assert.equal(learned.learned, true)
  }
  const r = await service.processMessage('Do you sell gift cards?', '+19025550100', 'conv-2')
  assert.ok(['suggest', 'queue'].includes(r.action), r.action)
  assert.equal(r.response, SIGNED_GIFT)
  assert.deepEqual(r.actions, [])
  assert.equal(typeof r.patternId, 'number')
  assert.equal(typeof r.decisionId, 'string')
  assert.equal(r.pattern.id, r.patternId)
  assert.equal(r.pattern.pattern_type, 'gift_cards')
  assert.equal(r.pattern.response_template, GIFT)
  assert.equal(typeof r.pattern.confidence_score, 'number')
  assert.equal(r.pattern.auto_executable, false)
  assert.equal(r.pattern.action_template, null)
  assert.match(r.pattern.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  assert.equal(typeof r.reasoning.thought_process, 'string')
  assert.ok(Array.isArray(r.reasoning.next_steps))
  assert.equal(typeof r.reasoning.confidence_explanation, 'string')

  // An admin approves the pattern for automatic sending (V1's auto_executable toggle).
  await service.engine.setAutoExecutable(r.patternId, true)
  // Loose tiers and gates, no approval or example rule: this test is about the V1 mapping.
  service.engine.setConfig({ thresholds: { auto: 0.3, suggest: 0.2, queue: 0.1 }, gates: { neighbours: 1, minMargin: 0, minSupport: 1 } })
  await service.updateSettings({ requireApprovalForNew: false, minExamplesRequired: 1 })
  const auto = await service.processMessage('do you sell gift cards', 19025550100, 77, 'Sam', { messageId: 'op-msg-1' })
  assert.equal(auto.action, 'auto_execute')
  assert.equal(auto.response, SIGNED_GIFT)
  // A duplicate webhook delivery is never answered twice.
  const dup = await service.processMessage('do you sell gift cards', 19025550100, 77, 'Sam', { messageId: 'op-msg-1' })
  assert.equal(dup.reason, 'duplicate_message')
  assert.notEqual(dup.action, 'auto_execute')
})

test('learnFromHumanResponse: takeover, the engine never learns its own replies', async () => {
  const { service } = quietService()
  const own = await service.learnFromHumanResponse('hours?', 'We open at 9.\n\n- ClubAI', [], 'c1', '+1')
  assert.deepEqual(own, { learned: false, skipped: 'ai_reply' })
  const tight = await service.learnFromHumanResponse('hours?', 'We open at 9. -ClubAI', [], 'c1', '+1')
  assert.equal(tight.skipped, 'ai_reply')
  assert.equal(service.engine.patternCount, 0)
  const empty = await service.learnFromHumanResponse('   ', 'ok', [], 'c1', '+1')
  assert.equal(empty.skipped, 'no_text')
})

test('recordOperatorResponse never overwrites the template; "ok" is no verdict (docs/v1-behaviour.md)', async () => {
  const { service } = quietService()
  const p = await service.engine.createPattern({ triggerExamples: ['do you sell gift cards'], responseTemplate: GIFT })
  const before = service.engine.pattern(p.id)
  const out = await service.recordOperatorResponse('gift cards?', 'ok', '+1', String(p.id))
  assert.equal(out.outcome.action, 'answer')
  assert.equal(out.outcome.judgedPattern, undefined)
  const after = service.engine.pattern(p.id)
  assert.equal(after.responseTemplate, GIFT)
  assert.equal(after.confidence, before.confidence)
  assert.equal(after.overrideCount, 0)
  const edited = await service.recordOperatorResponse('gift cards please', `${GIFT} Ask at the desk.`, '+1', p.id)
  assert.equal(edited.outcome.action, 'modify')
  assert.equal(service.engine.pattern(p.id).responseTemplate, GIFT)
  const same = await service.recordOperatorResponse('gift cards', GIFT, '+1', p.id)
  assert.equal(same.outcome.action, 'approve')
  const answer = await service.recordOperatorResponse('are you open sundays', 'Yes, 9 to 5.', '+1')
  assert.equal(answer.outcome.created, true)
})

test('V1 never-throw promises hold for every kind of bad input, and failures are logged', async () => {
  const { service, logged } = quietService()
  assert.deepEqual(await service.processMessage(undefined), { action: 'escalate', reason: 'processing_error' })
  assert.deepEqual(await service.processMessage({}, [], {}), { action: 'escalate', reason: 'processing_error' })
  assert.deepEqual(
    await service.processMessage('hi', '+1', 'c', 'Sam', { embedding: new Float32Array([NaN]) }),
    { action: 'escalate', reason: 'processing_error' },
  )
  assert.deepEqual(await service.learnFromHumanResponse(), { learned: false, skipped: 'error' })
  assert.deepEqual(await service.recordOperatorResponse('a b', 'c d', '+1', 99), { learned: false, skipped: 'error' })
  assert.deepEqual(await service.recordOperatorResponse('a b', 'c d', '+1', NaN), { learned: false, skipped: 'error' })
  assert.equal(logged.length, 6)
  assert.match(logged[0], /processMessage failed: INVALID_ARGUMENT/)
  assert.match(logged[2], /INVALID_EMBEDDING/)
  assert.match(logged[4], /UNKNOWN_PATTERN/)
})

test('getConfig reports what the engine uses; disabled is a silent hand-off', async () => {
  const { service } = quietService({ config: { enabled: false } })
  assert.deepEqual(await service.getConfig(), { enabled: false, openphoneEnabled: false, shadowMode: false })
  const r = await service.processMessage('Do you sell gift cards?', '+1', 'c')
  assert.equal(r.action, 'escalate')
  assert.equal(r.reason, 'pattern_learning_disabled')
  assert.equal(r.learnFromResponse, undefined)
  assert.equal(service.engine.getConfig().aiSignature, '- ClubAI')
})

test('patternSafetyService: V1 shapes and CRUD', async () => {
  const { service } = quietService()
  assert.deepEqual(await service.checkMessageSafety('Can I book a bay for tomorrow?', 'c', '+1'), { safe: true })
  const v = await service.checkMessageSafety('Can I talk to a human?')
  assert.equal(v.safe, false)
  assert.equal(v.reason, 'negative_sentiment_detected')
  const black = await service.checkMessageSafety('My lawyer will call you')
  assert.equal(black.alertType, 'blacklist')
  const thresholds = await service.getSafetyThresholds()
  for (const key of [
    'rapidMessageThreshold', 'rapidMessageWindowSeconds', 'rapidMessageEnabled', 'aiResponseLimit',
    'aiResponseLimitEnabled', 'operatorLockoutHours', 'escalationMessage', 'negativeSentimentEnabled',
    'negativeSentimentPatterns', 'rapidMessageEscalationText', 'aiLimitEscalationText',
    'sentimentEscalationText', 'topicLockoutEnabled', 'globalCooldownMinutes',
  ]) assert.ok(key in thresholds, key)
  assert.equal((await service.updateSafetyThresholds({ operatorLockoutHours: 2 })).operatorLockoutHours, 2)
  await assert.rejects(service.updateSafetyThresholds({ operatorLockoutHours: 99 }), (e) => e instanceof PatternLearningError && e.code === 'INVALID_CONFIG')
  assert.equal((await service.resetSentimentPatterns()).negativeSentimentPatterns.length, 8)
  assert.equal(service.getDefaultSentimentPatterns().length, 8)
  const settings = await service.getSettings()
  for (const key of ['blacklistTopics', 'escalationKeywords', 'requireApprovalForNew', 'approvalThreshold', 'minExamplesRequired', 'operatorOverrideWeight', 'enableFallbackResponses', 'fallbackMessages']) {
    assert.ok(key in settings, key)
  }
  assert.deepEqual((await service.updateSettings({ escalationKeywords: ['urgent'] })).escalationKeywords, ['urgent'])
  await assert.rejects(service.checkMessageSafety(42), (e) => e.code === 'INVALID_ARGUMENT')
})

test('the singletons share one lazily created default engine', async () => {
  const { patternLearningService, patternSafetyService, defaultV1Service } = pl
  assert.equal(patternLearningService.engine, patternSafetyService.engine)
  assert.equal(patternLearningService.engine, defaultV1Service().engine)
  assert.ok(patternLearningService.engine instanceof PatternEngine)
  assert.equal(pl.processMessage, patternLearningService.processMessage)
  assert.equal((await pl.getConfig()).enabled, true)
  assert.ok(Object.isFrozen(patternLearningService))
})

test("a V1 service's engine starts from the core's V1 configuration, under the options given", () => {
  const defaults = createV1Service({ logger: null }).engine.getConfig()
  assert.equal(defaults.profile, 'v1')
  assert.equal(defaults.thresholds.auto, 0.65)
  assert.equal(defaults.aiSignature, '- ClubAI')
  const seed = createV1Service({ profile: 'seed', config: { shadowMode: true } }).engine.getConfig()
  assert.equal(seed.profile, 'seed')
  assert.equal(seed.thresholds.auto, 0.85)
  assert.equal(seed.shadowMode, true)
  assert.equal(seed.aiSignature, '- ClubAI')
  assert.equal(createV1Service({ config: { aiSignature: '-- Bot' } }).engine.getConfig().aiSignature, '-- Bot')
  assert.throws(() => createV1Service({ config: 'shadow' }), (e) => e.code === 'INVALID_CONFIG')
})

test('createV1Service: options are checked eagerly; an engine can be shared', () => {
  assert.throws(() => createV1Service({ config: { thresholds: { auto: 7 } } }), (e) => e.code === 'INVALID_CONFIG')
  assert.throws(() => createV1Service({ engine: {} }), (e) => e.code === 'INVALID_ARGUMENT')
  assert.throws(() => createV1Service('v1'), (e) => e.code === 'INVALID_ARGUMENT')
  const engine = new PatternEngine({ profile: 'v1' })
  assert.equal(createV1Service({ engine }).engine, engine)
})
