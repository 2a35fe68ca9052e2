// The test page of web/lib: built by e2e/lib-harness/build.ts into dist/harness (never into the app's
// dist/web) and driven by the Playwright specs in e2e/lib-*.spec.ts. It only exposes modules; the
// specs do the work inside page.evaluate so every test runs the real code in a real browser.
import * as bytes from '../../shared/bytes.ts'
import * as hash from '../../shared/hash.ts'
import * as bencode from '../../shared/bencode/index.ts'
import * as metainfo from '../../shared/metainfo/index.ts'
import * as peerPool from '../../webrtc/peer-pool.ts'
import * as trackerClient from '../../webrtc/tracker-client.ts'
import * as trackerSocket from '../../webrtc/tracker-socket.ts'
import * as webrtcTransport from '../../webrtc/webrtc-transport.ts'
import * as opfsStore from '../lib/opfs-store.ts'
import * as opfsPaths from '../lib/opfs-paths.ts'
import * as opfsFileBackend from '../lib/opfs-file-backend.ts'
import * as storageQuota from '../lib/storage-quota.ts'
import * as opfsHelpers from './opfs-helpers.ts'
import * as library from '../lib/library.ts'
import * as save from '../lib/save.ts'
import * as shareLink from '../lib/share-link.ts'
import * as appConfig from '../lib/app-config.ts'
import * as swarmClient from '../lib/swarm-client.ts'
import * as clientHelpers from './client-helpers.ts'
import * as hashPool from '../lib/hash-pool.ts'
import * as seedFiles from '../lib/seed-files.ts'
import * as webmMaker from './webm-maker.ts'
import * as streamServer from '../lib/stream-server.ts'
import * as trackerPeer from './tracker-peer.ts'
import * as transportBench from './transport-bench.ts'
import * as hashBench from './hash-bench.ts'

export const harness = { bytes, hash, bencode, metainfo, peerPool, trackerClient, trackerSocket, webrtcTransport, transportBench, hashBench, trackerPeer, opfsStore, opfsPaths, opfsFileBackend, storageQuota, opfsHelpers, library, save, shareLink, appConfig, swarmClient, clientHelpers, hashPool, seedFiles, webmMaker, streamServer }
export type Harness = typeof harness

declare global {
  interface Window {
    swarmdropHarness: Harness
    /** Scratch space for specs that keep objects across page.evaluate calls. */
    scratch: Record<string, unknown>
  }
}

window.swarmdropHarness = harness
window.scratch = {}
document.title = 'harness ready'
