"""The grader/student wire format: JSON lines with base64 numeric arrays, size caps, never pickle."""

from __future__ import annotations

import math
import os
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder import protocol
from autograder.protocol import (
    Channel,
    ChannelClosed,
    ChannelTimeout,
    ProtocolError,
    decode,
    encode,
    roundtrip,
)

ENGINE = Path(protocol.__file__).resolve().parent


@pytest.fixture
def pipe_channels():
    """Two Channels joined by a pair of pipes: (grader side, student side)."""
    a_read, b_write = os.pipe()
    b_read, a_write = os.pipe()
    grader, student = Channel(a_read, a_write), Channel(b_read, b_write)
    yield grader, student
    grader.close()
    student.close()


# --------------------------------------------------------------------------------------------
# Round trips


@pytest.mark.parametrize("value", [
    0, -7, 2**53, 0.1, -1e-300, 1e300, "", "naïve ✓", None, True, False,
    [], {}, [1, 2.5, "three", None, [4, [5, [6]]]],
    {"cells": [{"index": 1, "source": "x = 1\n"}], "seed": 3, "nested": {"a": [{"b": None}]}},
])
def test_plain_values_round_trip_unchanged(value):
    assert roundtrip(value) == value
    assert type(roundtrip(value)) is type(value)


def test_special_floats_round_trip():
    """NaN and infinities cross (a student's NaN loss must reach the check that reports it)."""
    nan, inf, neg = roundtrip([float("nan"), float("inf"), float("-inf")])
    assert math.isnan(nan) and inf == math.inf and neg == -math.inf


def test_a_message_is_one_line():
    data = encode({"text": "line one\nline two", "array": np.arange(3)})
    assert data.endswith(b"\n") and data.count(b"\n") == 1


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int8", "uint8", "bool"])
def test_numeric_arrays_keep_dtype_shape_and_values(dtype):
    array = (np.arange(24).reshape(2, 3, 4) % 5 - 2).astype(dtype)
    back = roundtrip(array)
    assert type(back) is np.ndarray
    assert back.dtype == np.dtype(dtype) and back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back, array)


def test_float32_values_are_bit_exact():
    array = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
    array[0, 0], array[1, 1] = np.nan, -np.inf
    back = roundtrip(array)
    assert back.tobytes() == array.tobytes()


def test_int64_extremes_survive():
    array = np.array([np.iinfo(np.int64).min, -1, 0, np.iinfo(np.int64).max], dtype=np.int64)
    np.testing.assert_array_equal(roundtrip(array), array)


@pytest.mark.parametrize("array", [np.zeros((0, 3), np.float32), np.array(1.5, np.float64),
                                   np.arange(12, dtype=np.int64).reshape(3, 4).T,
                                   np.arange(10, dtype=np.float32)[::3]],
                         ids=["empty", "zero_dim", "transposed", "strided"])
def test_unusual_array_layouts_round_trip(array):
    back = roundtrip(array)
    assert back.shape == array.shape and back.dtype == array.dtype
    np.testing.assert_array_equal(back, array)


def test_decoded_arrays_are_writable_copies():
    back = roundtrip(np.arange(4, dtype=np.float32))
    assert back.flags.writeable  # not a read-only view of the message buffer
    back[0] = 42.0


def test_arrays_nested_in_lists_and_dicts():
    message = {"output": np.ones((2, 1), np.float32), "parameters": {"w": [np.zeros(3, np.int64)]}}
    back = roundtrip(message)
    assert back["output"].dtype == np.float32 and back["output"].shape == (2, 1)
    assert back["parameters"]["w"][0].dtype == np.int64


def test_numpy_scalars_become_python_numbers():
    back = roundtrip([np.float32(0.5), np.float64(0.25), np.int64(7), np.uint8(3), np.bool_(True)])
    assert back == [0.5, 0.25, 7, 3, True]
    assert [type(v) for v in back] == [float, float, int, int, bool]


def test_a_dict_that_only_resembles_an_array_stays_a_dict():
    value = {"__array__": {"dtype": "float32", "shape": [0], "data": ""}, "other": 1}
    assert roundtrip(value) == value


# --------------------------------------------------------------------------------------------
# Size caps


def test_oversized_message_is_refused_when_encoding():
    big = np.zeros(protocol.MAX_MESSAGE_BYTES // 4 + 1, dtype=np.float32)  # > cap once base64-encoded
    with pytest.raises(ProtocolError, match="exceeds the .* byte cap"):
        encode({"value": big})


def test_a_message_just_under_the_cap_crosses():
    text = "x" * (protocol.MAX_MESSAGE_BYTES - 100)
    assert len(encode(text)) <= protocol.MAX_MESSAGE_BYTES
    assert roundtrip(text) == text


def test_oversized_line_is_refused_when_decoding():
    with pytest.raises(ProtocolError, match="too large"):
        decode(b'"' + b"x" * protocol.MAX_MESSAGE_BYTES + b'"')


def test_channel_refuses_a_stream_without_end(pipe_channels, monkeypatch):
    """A student process that writes without ever ending its line cannot make the grader buffer forever."""
    monkeypatch.setattr(protocol, "MAX_MESSAGE_BYTES", 4096)
    grader, student = pipe_channels
    os.write(student.write_fd, b"[" + b"1," * 4000)
    with pytest.raises(ProtocolError, match="too large"):
        grader.recv(timeout=5)


def test_channel_sends_encoded_message_of_several_megabytes(pipe_channels):
    """Large replies cross the pipe in many chunks and arrive whole."""
    grader, student = pipe_channels
    array = np.random.default_rng(1).normal(size=(500_000, 2)).astype(np.float32)  # 4 MB
    sender = threading.Thread(target=student.send, args=({"ok": True, "value": array},))
    sender.start()
    reply = grader.recv(timeout=30)
    sender.join(timeout=30)
    np.testing.assert_array_equal(reply["value"], array)


# --------------------------------------------------------------------------------------------
# Nothing but plain data: no pickle, no objects


class Rigged:
    """An object whose comparisons always succeed."""

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    def __reduce__(self):  # what pickle would call: must never be reached
        raise AssertionError("the protocol tried to pickle an object")


class RiggedTensor(torch.Tensor):
    pass


@pytest.mark.parametrize("value", [
    Rigged(), [1, Rigged()], {"value": Rigged()}, {1, 2}, b"bytes", bytearray(b"x"), 1 + 2j,
    torch.tensor([1.0]), torch.tensor([1.0]).as_subclass(RiggedTensor), np.float64, print,
    lambda: 0, object(), Path("/etc/passwd"), range(3),
], ids=lambda v: type(v).__name__)
def test_objects_that_are_not_plain_data_are_refused(value):
    with pytest.raises(ProtocolError, match="cannot be sent"):
        encode(value)


@pytest.mark.parametrize("array", [np.array([1 + 2j]), np.array(["a", "b"]), np.array([None], dtype=object),
                                   np.array(["2020-01-01"], dtype="datetime64[D]"),
                                   np.zeros(2, dtype=[("a", "f4"), ("b", "i4")])],
                         ids=["complex", "text", "object", "datetime", "structured"])
def test_arrays_of_non_numeric_dtype_are_refused(array):
    with pytest.raises(ProtocolError, match="dtype"):
        encode(array)


def test_ndarray_subclass_is_refused():
    class Rigged(np.ndarray):
        pass

    with pytest.raises(ProtocolError, match="cannot be sent"):
        encode(np.zeros(3).view(Rigged))


def test_number_subclasses_arrive_as_plain_numbers():
    """A float or int subclass with a rigged __eq__ loses the rigging on the way."""
    class RiggedFloat(float):
        def __eq__(self, other):
            return True

        __hash__ = float.__hash__

    class RiggedInt(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    value, count = roundtrip([RiggedFloat(0.5), RiggedInt(3)])
    assert type(value) is float and type(count) is int
    assert value != 0.7 and count != 4


@pytest.mark.parametrize("dtype", ["object", "complex128", "O", "V8", "<U4", "datetime64[s]"])
def test_forged_arrays_of_forbidden_dtype_are_refused_when_decoding(dtype):
    line = ('{"__array__":{"dtype":"%s","shape":[1],"data":"AAAAAAAAAAA="}}' % dtype).encode()
    with pytest.raises(ProtocolError, match="dtype"):
        decode(line)


@pytest.mark.parametrize("line", [
    b'{"__array__":{"dtype":"float32","shape":[3],"data":"AAAAAA=="}}',  # 4 bytes for 3 floats
    b'{"__array__":{"dtype":"float32","shape":[1],"data":"not base64!"}}',
    b'{"__array__":{"dtype":"float32","data":"AAAAAA=="}}',  # no shape
    b'{"unterminated": ',
    b"\xff\xfe not utf-8",
    b"cos(1)",
], ids=["size_mismatch", "bad_base64", "no_shape", "truncated", "not_utf8", "not_json"])
def test_malformed_messages_are_protocol_errors(line):
    with pytest.raises(ProtocolError):
        decode(line)


def test_no_pickle_anywhere_in_the_engine():
    """Neither side of the channel may deserialise code: no pickle-family module, no torch.load."""
    forbidden = re.compile(r"^\s*(?:import|from)\s+(?:c?pickle|dill|cloudpickle|marshal|shelve|joblib)\b"
                           r"|torch\.load\(|allow_pickle\s*=\s*True", re.MULTILINE)
    offenders = [str(path.relative_to(ENGINE.parent)) for path in sorted(ENGINE.rglob("*.py"))
                 if forbidden.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


# --------------------------------------------------------------------------------------------
# Channel behaviour


def test_channel_carries_messages_both_ways_in_order(pipe_channels):
    grader, student = pipe_channels
    grader.send({"probe": "value", "args": [{"__ref__": "x"}]})
    grader.send({"op": "exit"})
    assert student.recv(timeout=5) == {"probe": "value", "args": [{"__ref__": "x"}]}
    assert student.recv(timeout=5) == {"op": "exit"}
    student.send({"ok": True, "value": np.arange(3, dtype=np.int64)})
    reply = grader.recv(timeout=5)
    assert reply["ok"] is True and reply["value"].tolist() == [0, 1, 2]


def test_channel_reassembles_a_message_split_across_writes(pipe_channels):
    grader, student = pipe_channels
    data = encode({"event": "done", "cell": 3})
    os.write(student.write_fd, data[:5])
    with pytest.raises(ChannelTimeout):
        grader.recv(timeout=0.05)
    os.write(student.write_fd, data[5:])
    assert grader.recv(timeout=5) == {"event": "done", "cell": 3}


def test_channel_deadline_is_kept(pipe_channels):
    grader, _ = pipe_channels
    started = time.monotonic()
    with pytest.raises(ChannelTimeout):
        grader.recv(timeout=0.2)
    assert 0.15 <= time.monotonic() - started < 2


def test_channel_reports_a_closed_peer(pipe_channels):
    grader, student = pipe_channels
    os.close(student.write_fd)
    student.write_fd = -1
    with pytest.raises(ChannelClosed):
        grader.recv(timeout=5)


def test_sending_to_a_closed_peer_raises_channel_closed(pipe_channels):
    grader, student = pipe_channels
    os.close(student.read_fd)
    student.read_fd = -1
    with pytest.raises(ChannelClosed):
        grader.send({"op": "exit"})
