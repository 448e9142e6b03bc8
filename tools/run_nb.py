"""Execute notebooks in place (so they are committed with their outputs), then clean them.

Usage: python tools/run_nb.py nbs/01_linalg.ipynb [more.ipynb ...]
Cells flagged `#| slow` or `#| gpu` are skipped unless --all is given. Stops with a traceback on the first error.
"""
import sys, os
from pathlib import Path
from execnb.shell import CaptureShell
from execnb.nbio import read_nb

def _skip(flags):
    def f(cell):
        if cell.cell_type != 'code': return True
        src = cell.source
        if 'nbdev_export' + '(' in src: return True
        skip = any(l.strip().startswith(f'#| {fl}') or l.strip() == f'#|{fl}' for l in src.splitlines() for fl in flags)
        if not skip: cell.outputs = [] # execnb stores outputs only when there are some: a cell that now prints nothing must not keep old ones
        return skip
    return f

def main(argv):
    run_all = '--all' in argv
    nbs = [a for a in argv if not a.startswith('--')]
    flags = [] if run_all else ['slow', 'gpu']
    os.environ.setdefault('MPLBACKEND', 'Agg')
    for p in nbs:
        p = Path(p).absolute()
        cwd = os.getcwd()
        os.chdir(p.parent)
        try:
            sh = CaptureShell(str(p))
            sh.run_cell('%matplotlib inline')
            sh.execute(p, p, exc_stop=True, preproc=_skip(flags))
        finally: os.chdir(cwd)
        print(f'executed {p.name}')

if __name__ == '__main__': main(sys.argv[1:])
