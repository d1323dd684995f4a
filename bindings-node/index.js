'use strict'

/**
 * @clubos/pattern-learning — learns canned replies from support operators and decides,
 * per message, whether to auto-send, suggest, queue or hand off.
 *
 * Two APIs on one engine:
 * - the modern API: `new PatternEngine(options)`;
 * - V1's services: `patternLearningService` / `patternSafetyService` (and the same
 *   methods as module-level functions) on a default engine — durable when
 *   PATTERN_LEARNING_STORE names a store — or your own with `createV1Service(options)`.
 */

// First, so that a platform without a native module gets an error that says what to do.
require('./lib/platform.js').loadNative()

const { ErrorCode, PatternLearningError } = require('./lib/errors.js')
const { PatternEngine } = require('./lib/engine.js')
const v1 = require('./lib/v1.js')

const { patternLearningService, patternSafetyService } = v1

module.exports = {
  // modern API
  PatternEngine,
  PatternLearningError,
  ErrorCode,
  // V1 services
  PatternLearningService: v1.PatternLearningService,
  V1Service: v1.V1Service,
  createV1Service: v1.createV1Service,
  defaultV1Service: v1.defaultV1Service,
  patternLearningService,
  patternSafetyService,
  // V1's functions on the default engine
  processMessage: patternLearningService.processMessage,
  learnFromHumanResponse: patternLearningService.learnFromHumanResponse,
  recordOperatorResponse: patternLearningService.recordOperatorResponse,
  updatePatternConfidence: patternLearningService.updatePatternConfidence,
  planConversationSteps: patternLearningService.planConversationSteps,
  getConfig: patternLearningService.getConfig,
  checkMessageSafety: patternSafetyService.checkMessageSafety,
  getSafetyThresholds: patternSafetyService.getSafetyThresholds,
  updateSafetyThresholds: patternSafetyService.updateSafetyThresholds,
  resetSentimentPatterns: patternSafetyService.resetSentimentPatterns,
  getDefaultSentimentPatterns: patternSafetyService.getDefaultSentimentPatterns,
  getSettings: patternSafetyService.getSettings,
  updateSettings: patternSafetyService.updateSettings,
  checkPatternApproval: patternSafetyService.checkPatternApproval,
  recordPatternUsage: patternSafetyService.recordPatternUsage,
  checkMinimumExamples: patternSafetyService.checkMinimumExamples,
  recordLearningExample: patternSafetyService.recordLearningExample,
  // pure functions (synchronous)
  generateSignature: v1.generateSignature,
  signature: v1.signature,
  detectMessageTopic: v1.detectMessageTopic,
  getTopicLabel: v1.getTopicLabel,
  isSameTopic: v1.isSameTopic,
  getAvailableTopics: v1.getAvailableTopics,
  isEscalationMessage: v1.isEscalationMessage,
  isSuccessMessage: v1.isSuccessMessage,
  extractLocationAndBox: v1.extractLocationAndBox,
  calculateConfidence: v1.calculateConfidence,
  findBestAutomation: v1.findBestAutomation,
}
