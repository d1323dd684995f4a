// ES module entry: the same objects as the CommonJS entry (one native module, one
// default engine, whichever way the package is loaded).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const cjs = require('./index.js')

export const {
  PatternEngine,
  PatternLearningError,
  ErrorCode,
  V1Service,
  createV1Service,
  defaultV1Service,
  patternLearningService,
  patternSafetyService,
  processMessage,
  learnFromHumanResponse,
  recordOperatorResponse,
  getConfig,
  checkMessageSafety,
  getSafetyThresholds,
  updateSafetyThresholds,
  resetSentimentPatterns,
  getDefaultSentimentPatterns,
  getSettings,
  updateSettings,
  generateSignature,
  signature,
  detectMessageTopic,
  getTopicLabel,
  isSameTopic,
  getAvailableTopics,
} = cjs

export default cjs
