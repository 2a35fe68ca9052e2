/** A set that forgets its oldest entry once it holds `limit` (for memory fed by the network). */
export class BoundedSet<T> {
  private readonly items = new Set<T>()

  constructor(readonly limit: number) {}

  add(item: T): void {
    this.items.delete(item)
    this.items.add(item)
    if (this.items.size > this.limit) {
      const oldest = this.items.values().next()
      if (!oldest.done) this.items.delete(oldest.value)
    }
  }

  has(item: T): boolean {
    return this.items.has(item)
  }

  delete(item: T): boolean {
    return this.items.delete(item)
  }

  get size(): number {
    return this.items.size
  }
}
