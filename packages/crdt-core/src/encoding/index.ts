export { Writer } from './writer.js'
export { Reader } from './reader.js'
