# Copyright (c) InfluxOps contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write points to the bucket telemetry of each edge until FILE STOP exists, then write the number of
points each edge accepted (204) to OUT as JSON. Each point is ``rot,edge=<edge> n=<i>i <i>``, so
that central's copy shows a point lost or sent twice.

Usage: python writer.py STOP OUT EDGE=STATE_FILE...  (the state files of launch.py: url and token)
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request


def main():
    stop, out = sys.argv[1], sys.argv[2]
    edges = dict(arg.split('=', 1) for arg in sys.argv[3:])
    servers = {}
    for edge, path in edges.items():
        with open(path, encoding='utf-8') as handle:
            state = json.load(handle)
        servers[edge] = (state['url'], state['token'])
    written = dict((edge, 0) for edge in edges)
    number = 0
    while True:
        done = os.path.exists(stop)
        for edge, (url, token) in sorted(servers.items()):
            number += 1
            request = urllib.request.Request(url + '/api/v2/write?org=edge&bucket=telemetry&precision=ns',
                                             data=('rot,edge=%s n=%di %d' % (edge, number, number)).encode(), method='POST',
                                             headers={'Authorization': 'Token ' + token})
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    written[edge] += answer.status == 204
            except urllib.error.URLError:
                pass
        if done:
            break
        time.sleep(0.1)
    with open(out, 'w', encoding='utf-8') as handle:
        json.dump(written, handle)


if __name__ == '__main__':
    main()
