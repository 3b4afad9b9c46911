import { defineScheduleShard } from './schedule-shard.js'

// Part 0 of 4 (250 seeds each; see schedule-shard.ts).
defineScheduleShard(0)
