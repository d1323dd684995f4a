'use strict'

// Plays ClubOS V1's OpenPhone webhook flow (docs/v1-behaviour.md) against
// @clubos/pattern-learning, with the V1 service API the backend already calls:
//
//   inbound SMS   → checkMessageSafety → processMessage → send / suggest / hand off
//   operator SMS  → operator takeover + learnFromHumanResponse
//   queue review  → approve a suggestion (modern feedback on the same engine)
//
// Run: npm install && node webhook-demo.js   (prints one line per event)

const { createV1Service } = require('@clubos/pattern-learning')

const GIFT_REPLY = 'Yes! Gift cards are sold online at clubhouse247golf.com/gift-cards, from $25 to $500.'

// One service = V1's patternLearningService + patternSafetyService on one engine.
// (The package also exports ready-made singletons with exactly V1's names.)
const service = createV1Service({ logger: console })

// ---- stand-ins for the backend's OpenPhone client, queue table and message store ----

const outbox = []
const suggestionQueue = []
const lastCustomerMessage = new Map()
const stats = { autoReplies: 0, suggestions: 0, handOffs: 0, duplicates: 0, learned: 0 }

function sendSms(to, text, kind) {
  outbox.push({ to, text })
  console.log(`SENT ${kind} to ${to}: ${JSON.stringify(text)}`)
}

// ---- the webhook: inbound customer message ---------------------------------------

async function onInboundMessage({ id, from, conversationId, body, customerName }) {
  lastCustomerMessage.set(conversationId, body)

  // Safety first, as V1's webhook did: escalation hits go to a human now.
  const safety = await service.checkMessageSafety(body, conversationId, from)
  if (!safety.safe && safety.alertType === 'escalation') {
    if (safety.suggestedResponse) sendSms(from, safety.suggestedResponse, 'hand-off notice')
    console.log(`HANDED OFF (safety) ${conversationId}: ${safety.reason}`)
    stats.handOffs++
    return
  }

  // processMessage never throws; the message id makes duplicate deliveries harmless.
  const result = await service.processMessage(body, from, conversationId, customerName, { messageId: id })
  switch (result.action) {
    case 'auto_execute':
      // `response` is exactly what to send, signed "- ClubAI".
      sendSms(from, result.response, 'auto-reply')
      stats.autoReplies++
      break
    case 'suggest':
    case 'queue':
      suggestionQueue.push({ conversationId, from, body, result })
      console.log(
        `SUGGESTED to operator ${conversationId}: pattern ${result.patternId} (${result.action}, ` +
          `confidence ${result.confidence.toFixed(2)}, ${result.reason})`,
      )
      stats.suggestions++
      break
    case 'escalate':
      if (result.reason === 'duplicate_message') {
        console.log(`DUPLICATE webhook ignored ${id}`)
        stats.duplicates++
      } else if (result.response) {
        // A customer-facing hand-off notice (rapid messages, reply cap, sentiment).
        sendSms(from, result.response, 'hand-off notice')
        stats.handOffs++
      } else {
        // "No match" is a silent hand-off (V1 texted an escalation message here).
        console.log(`HANDED OFF (silent) ${conversationId}: ${result.reason}`)
        stats.handOffs++
      }
      break
    default:
      console.log(`SHADOW ${conversationId}: would ${result.reason}`)
  }
  return result
}

// ---- the webhook: outbound message written by an operator -------------------------

async function onOperatorReply({ conversationId, to, body, operatorId }) {
  sendSms(to, body, 'operator reply')
  // Marks the takeover (automatic replies pause in this conversation) and learns the
  // answer; replies signed "- ClubAI" (the engine's own) are never learned.
  const learned = await service.learnFromHumanResponse(
    lastCustomerMessage.get(conversationId) ?? '',
    body,
    [],
    conversationId,
    to,
    operatorId,
  )
  if (learned.learned) {
    stats.learned++
    console.log(`LEARNED from operator ${operatorId}: pattern ${learned.outcome.learnedPattern}${learned.outcome.created ? ' (new)' : ''}`)
  } else {
    console.log(`not learned (${learned.skipped})`)
  }
}

// ---- the queue review: an operator accepts a suggestion -----------------------------

async function approveSuggestion({ conversationId, from, body, result }, operatorId) {
  sendSms(from, result.response, 'approved suggestion')
  await service.engine.feedback({
    query: body,
    action: 'approve',
    decisionId: result.decisionId,
    patternId: result.patternId,
    context: { userId: operatorId, sessionId: String(conversationId) },
  })
  console.log(`APPROVED suggestion in ${conversationId} by ${operatorId}`)
}

// ---- a day in the inbox --------------------------------------------------------------

async function main() {
  let n = 0
  const inbound = (from, conversationId, body, id = `msg-${++n}`) =>
    onInboundMessage({ id, from, conversationId, body, customerName: 'Sam' })

  // 1. Nothing learned yet: silent hand-off; the operator answers; the answer is learned.
  const phrasings = [
    'Do you sell gift cards?',
    'can i buy a gift card',
    'do you have gift cards for sale',
    'where can I buy a gift card?',
    'I want to buy a gift card for my dad',
    'are gift cards available',
    'how do I get a gift card',
    'can I purchase a gift card online',
  ]
  for (const [i, text] of phrasings.entries()) {
    const conversationId = `conv-${i + 1}`
    const from = `+1902555010${i}`
    const result = await inbound(from, conversationId, text)
    if (result && (result.action === 'suggest' || result.action === 'queue')) {
      await approveSuggestion(suggestionQueue.pop(), 'op-ana')
    } else {
      await onOperatorReply({ conversationId, to: from, body: GIFT_REPLY, operatorId: 'op-ana' })
    }
  }

  // 2. An admin approves the learned pattern for automatic sending
  //    (V1's auto_executable toggle on /api/patterns).
  const [pattern] = service.engine.patterns()
  await service.engine.setAutoExecutable(pattern.id, true)
  console.log(`ADMIN approved pattern ${pattern.id} for auto-send (${pattern.triggerExamples.length} phrasings)`)

  // 3. A new customer asks: the reply goes out automatically.
  await inbound('+19025550200', 'conv-20', 'Do you sell gift cards?', 'openphone-abc')
  // OpenPhone delivers the same webhook twice: nothing is sent twice.
  await inbound('+19025550200', 'conv-20', 'Do you sell gift cards?', 'openphone-abc')

  // 4. An angry customer: handed to a human with the sentiment notice.
  await inbound('+19025550300', 'conv-30', 'This is ridiculous, the screen is still not working')

  // 5. An operator writes in conv-40; automation pauses there.
  await onOperatorReply({ conversationId: 'conv-40', to: '+19025550400', body: 'Hi! Anything else I can help with?', operatorId: 'op-ben' })
  const paused = await inbound('+19025550400', 'conv-40', 'do you sell gift cards')
  if (paused && paused.action !== 'auto_execute') {
    console.log(`NOT AUTO-SENT (operator took over) conv-40: ${paused.action}/${paused.reason}`)
  }

  console.log(
    `demo finished: ${stats.autoReplies} auto-reply, ${stats.suggestions} suggestions, ` +
      `${stats.handOffs} hand-offs, ${stats.duplicates} duplicate, ${stats.learned} learned, ${outbox.length} SMS sent`,
  )
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
