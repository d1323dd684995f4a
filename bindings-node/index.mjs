// ES module entry: the same objects as the CommonJS entry (one native module, one
// default engine, whichever way the package is loaded).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const cjs = require('./index.js')

export const {
  PatternEngine,
  PatternLearningError,
  ErrorCode,
  PatternLearningService,
  V1Service,
  createV1Service,
  defaultV1Service,
  patternLearningService,
  patternSafetyService,
  processMessage,
  learnFromHumanResponse,
  recordOperatorResponse,
  updatePatternConfidence,
  planConversationSteps,
  getConfig,
  checkMessageSafety,
  getSafetyThresholds,
  updateSafetyThresholds,
  resetSentimentPatterns,
  getDefaultSentimentPatterns,
  getSettings,
  updateSettings,
  checkPatternApproval,
  recordPatternUsage,
  checkMinimumExamples,
  recordLearningExample,
  generateSignature,
  signature,
  detectMessageTopic,
  getTopicLabel,
  isSameTopic,
  getAvailableTopics,
  isEscalationMessage,
  isSuccessMessage,
  extractLocationAndBox,
  calculateConfidence,
  findBestAutomation,
} = cjs

export default cjs
