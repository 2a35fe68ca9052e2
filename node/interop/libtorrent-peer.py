#!/usr/bin/python3
"""A libtorrent (python3-libtorrent, Debian) peer for the interop tests: seeds or downloads one
torrent, on loopback, DHT/LSD/UPnP off, and prints one JSON line per second:
{"state": ..., "progress": 0..1, "peers": n, "seeding": bool}. A download exits 0 once finished.

usage: libtorrent-peer.py seed|download TORRENT SAVE_DIR LISTEN_PORT
"""
import json
import sys
import time

import libtorrent as lt

mode, torrent_path, save_dir, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
session = lt.session({
    'listen_interfaces': f'127.0.0.1:{port}',
    'enable_dht': False,
    'enable_lsd': False,
    'enable_upnp': False,
    'enable_natpmp': False,
    # Every test peer is on 127.0.0.1.
    'allow_multiple_connections_per_ip': True,
    'announce_to_all_trackers': True,
    'announce_to_all_tiers': True,
    'alert_mask': 0,
})
params = lt.add_torrent_params()
params.ti = lt.torrent_info(torrent_path)
params.save_path = save_dir
if mode == 'seed':
    params.flags |= lt.torrent_flags.seed_mode  # the data is there: verified lazily, as it is served
handle = session.add_torrent(params)
while True:
    s = handle.status()
    print(json.dumps({'state': str(s.state), 'progress': s.progress, 'peers': s.num_peers, 'seeding': s.is_seeding,
                      'tracker': s.current_tracker, 'error': str(s.errc.message()) if s.errc.value() else None}), flush=True)
    if mode == 'download' and s.is_seeding:
        sys.exit(0)
    time.sleep(1)
