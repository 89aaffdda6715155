"""Files that lie about their contents, for the loaders' tests (issue 27)."""
import zipfile

import numpy as np


def write_npz_claiming(path, arrays: dict, claims: dict, compression=zipfile.ZIP_DEFLATED):
    """An .npz of ``arrays`` whose headers declare the shapes in ``claims``
    ({name: shape}) while holding only the real arrays' bytes: a small file
    asking for any amount of memory."""
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, array in arrays.items():
            array = np.ascontiguousarray(array)
            header = np.lib.format.header_data_from_array_1_0(array)
            header["shape"] = claims.get(name, array.shape)
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array_header_1_0(member, header)
                member.write(array.tobytes())
    return path


def huge_points_file(path):
    """A 1 KB stroke file whose 'points' header claims 10^11 x 2 numbers."""
    arrays = {"points": np.zeros((4, 2), np.float32), "stroke_offsets": np.array([0, 4]),
              "sample_offsets": np.array([0, 1]), "labels": np.array([0])}
    return write_npz_claiming(path, arrays, {"points": (10 ** 11, 2)})
