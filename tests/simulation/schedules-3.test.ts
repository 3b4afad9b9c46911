import { defineScheduleShard } from './schedule-shard.js'

// Part 3 of 4 (250 seeds each; see schedule-shard.ts).
defineScheduleShard(3)
