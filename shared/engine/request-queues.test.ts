import { describe, expect, it } from 'vitest'
import { IncomingRequests, OutgoingRequests } from './request-queues.ts'

const ref = (index: number, block: number, length = 16384) => ({ index, begin: block * 16384, length })

describe('OutgoingRequests', () => {
  it('an answer takes its request; a withdrawn request answers late once; a stranger is unrequested', () => {
    const q = new OutgoingRequests(8)
    q.add(ref(1, 0), 0)
    q.add(ref(1, 1), 0)
    expect(q.answer(1, 16384, 100)).toBeNull() // wrong length
    expect(q.answer(1, 0, 16384)).toEqual(ref(1, 0))
    expect(q.answer(1, 0, 16384)).toBeNull()
    expect(q.withdraw(ref(1, 1))).toBe(true)
    expect(q.size).toBe(0)
    expect(q.answer(1, 16384, 16384)).toBe('late')
    expect(q.answer(1, 16384, 16384)).toBeNull()
  })

  it('expires requests older than the timeout and remembers them as withdrawn', () => {
    const q = new OutgoingRequests(8)
    q.add(ref(0, 0), 0)
    q.add(ref(0, 1), 500)
    expect(q.expired(1000, 600)).toEqual([ref(0, 0)])
    expect(q.has(0, 16384)).toBe(true)
    expect(q.answer(0, 0, 16384)).toBe('late')
  })

  it('bounds what it remembers of withdrawn requests', () => {
    const q = new OutgoingRequests(2)
    for (let i = 0; i < 3; i++) q.add(ref(i, 0), 0)
    expect(q.withdrawAll()).toHaveLength(3)
    expect(q.answer(0, 0, 16384)).toBeNull() // forgotten: the oldest of three with room for two
    expect(q.answer(2, 0, 16384)).toBe('late')
  })
})

describe('IncomingRequests', () => {
  it('serves in order, removes a cancelled one', () => {
    const q = new IncomingRequests()
    for (let i = 0; i < 5; i++) q.push(ref(i, 0))
    expect(q.shift()?.index).toBe(0)
    expect(q.remove(ref(2, 0))).toBe(true)
    expect(q.remove(ref(2, 0))).toBe(false)
    expect(q.clear().map((r) => r.index)).toEqual([1, 3, 4])
    expect(q.length).toBe(0)
  })
})
