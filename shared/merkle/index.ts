// BEP 52 merkle trees: pad hashes, layer roots, the geometry of a file's tree, a piece's root, hash
// request proofs.
export * from './merkle.ts'
export * from './geometry.ts'
export * from './piece-root.ts'
export * from './proofs.ts'
