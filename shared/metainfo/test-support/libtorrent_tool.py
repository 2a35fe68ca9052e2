"""libtorrent (python3-libtorrent, Debian) as a reference for the metainfo tests.

  create <path> <v1|v2|hybrid> <piece length> <out.torrent> [order]
      write a torrent libtorrent makes of a file or directory; `order` (JSON list of paths below the
      directory) adds the files in that order instead of libtorrent's directory walk (v1 keeps the
      order it is given; v2 and hybrid sort anyway)
  inspect <file.torrent>    what libtorrent reads from one

Both print one JSON object: the info hashes (hex; null when absent), the piece count, and the files
as libtorrent lays them out (path below the torrent's name, size, offset, pad flag).
"""
import json
import os
import sys

import libtorrent as lt

MODES = {'v1': lt.create_torrent.v1_only, 'v2': lt.create_torrent.v2_only, 'hybrid': 0}


def describe(ti):
    hashes = ti.info_hashes()
    fs = ti.files()
    prefix = fs.name() + '/'
    files = []
    for i in range(fs.num_files()):
        path = fs.file_path(i)
        files.append({
            'path': path[len(prefix):] if path.startswith(prefix) else path,
            'size': fs.file_size(i),
            'offset': fs.file_offset(i),
            'pad': bool(fs.file_flags(i) & lt.file_storage.flag_pad_file),
        })
    return {
        'v1': str(hashes.v1) if hashes.has_v1() else None,
        'v2': str(hashes.v2) if hashes.has_v2() else None,
        'name': ti.name(),
        'pieces': ti.num_pieces(),
        'pieceLength': ti.piece_length(),
        'files': files,
    }


def main():
    cmd = sys.argv[1]
    if cmd == 'create':
        path, mode, piece_length, out = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
        fs = lt.file_storage()
        if len(sys.argv) > 6:
            name = os.path.basename(os.path.abspath(path))
            for rel in json.loads(sys.argv[6]):
                fs.add_file(name + '/' + rel, os.path.getsize(os.path.join(path, rel)))
        else:
            lt.add_files(fs, path)
        ct = lt.create_torrent(fs, piece_length, flags=MODES[mode])
        lt.set_piece_hashes(ct, os.path.dirname(os.path.abspath(path)))
        data = lt.bencode(ct.generate())
        with open(out, 'wb') as f:
            f.write(data)
        print(json.dumps(describe(lt.torrent_info(data))))
    elif cmd == 'inspect':
        with open(sys.argv[2], 'rb') as f:
            print(json.dumps(describe(lt.torrent_info(f.read()))))
    else:
        raise SystemExit('unknown command ' + cmd)


main()
