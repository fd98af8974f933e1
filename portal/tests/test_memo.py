from portal.memo import ProcessMemo


def test_a_process_memo_keeps_its_newest_values_up_to_its_size():
    memo = ProcessMemo(size=2)
    assert memo.keep("a", 1) == 1
    memo.keep("b", 2)
    memo.keep("c", 3)
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (None, 2, 3)
