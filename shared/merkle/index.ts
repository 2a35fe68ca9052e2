// BEP 52 merkle trees: pad hashes, layer roots, and the geometry of a file's tree.
export * from './merkle.ts'
export * from './geometry.ts'
