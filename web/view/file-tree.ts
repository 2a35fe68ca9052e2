import { mediaTypeOf, type PreviewKind } from '../lib/media-type.ts'
import type { FileView } from '../lib/torrent-view.ts'

// A folder torrent's files as a tree (folders first, then files, each by name), for the detail view.
// Folders sum their files' sizes and progress.

export interface FolderNode {
  kind: 'folder'
  name: string
  /** Path from the torrent's root, joined by '/': a stable key. */
  key: string
  depth: number
  length: number
  have: number
  children: TreeNode[]
}

export interface FileNode {
  kind: 'file'
  name: string
  key: string
  depth: number
  file: FileView
}

export type TreeNode = FolderNode | FileNode

export function fileTree(files: readonly FileView[]): TreeNode[] {
  const root: FolderNode = { kind: 'folder', name: '', key: '', depth: -1, length: 0, have: 0, children: [] }
  for (const file of files) {
    let at = root
    file.path.slice(0, -1).forEach((part, i) => {
      const key = file.path.slice(0, i + 1).join('/')
      let next = at.children.find((c): c is FolderNode => c.kind === 'folder' && c.name === part)
      if (!next) {
        next = { kind: 'folder', name: part, key, depth: i, length: 0, have: 0, children: [] }
        at.children.push(next)
      }
      at = next
    })
    at.children.push({ kind: 'file', name: file.path[file.path.length - 1] ?? '', key: file.path.join('/'), depth: file.path.length - 1, file })
  }
  const finish = (n: FolderNode): void => {
    for (const c of n.children) {
      if (c.kind === 'folder') finish(c)
      n.length += c.kind === 'folder' ? c.length : c.file.length
      n.have += c.kind === 'folder' ? c.have : c.file.have
    }
    n.children.sort((a, b) => (a.kind !== b.kind ? (a.kind === 'folder' ? -1 : 1) : a.name.localeCompare(b.name)))
  }
  finish(root)
  return root.children
}

/** The tree as rows in display order, skipping the insides of collapsed folders. */
export function visibleRows(nodes: readonly TreeNode[], collapsed: ReadonlySet<string>): TreeNode[] {
  const out: TreeNode[] = []
  const walk = (list: readonly TreeNode[]) => {
    for (const n of list) {
      out.push(n)
      if (n.kind === 'folder' && !collapsed.has(n.key)) walk(n.children)
    }
  }
  walk(nodes)
  return out
}

/** What a preview can show of a file, by its name (media-type.ts); null when the browser cannot show it. */
export function previewKind(name: string): Exclude<PreviewKind, 'none'> | null {
  const kind = mediaTypeOf(name).preview
  return kind === 'none' ? null : kind
}
