import { defineScheduleShard } from './schedule-shard.js'

// Part 2 of 4 (250 seeds each; see schedule-shard.ts).
defineScheduleShard(2)
