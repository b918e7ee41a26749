"""The ribbon against the VBA and the actions it calls: every callback exists with the
signature RibbonX calls it with, every icon is an Excel control identifier, every button's
tag reaches a registered, tested action — checked on the built add-in, not only its sources.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from addin.actions import ACTIONS
from tests.addin import vba
from tests.addin.test_vba_harness import built_modules

HERE = Path(__file__).resolve().parent
CUI = "{http://schemas.microsoft.com/office/2009/07/customui}"
# RibbonX callbacks and the VBA signature each is called with (MS-CUSTOMUI, "Callbacks").
SIGNATURES = {
    "onAction": r"control\s+As\s+IRibbonControl",
}
CALLBACK_ATTRIBUTES = {"onAction", "onLoad", "getLabel", "getImage", "getEnabled", "getVisible", "getScreentip",
                       "getSupertip", "getPressed", "onChange", "getText", "getItemCount"}


def excel_control_ids() -> set[str]:
    lines = (HERE / "excel_control_ids.txt").read_text(encoding="utf-8").splitlines()
    return {line.split("\t")[0] for line in lines if line and not line.startswith("#")}


@pytest.fixture(scope="module")
def ribbon(xlam):
    with zipfile.ZipFile(xlam) as z:
        return ET.fromstring(z.read("customUI/customUI14.xml"))


def public_subs(modules: dict[str, str], platform) -> dict[str, str]:
    """"Module.Sub" -> its parameter list, for the public Subs of standard modules."""
    subs = {}
    for name, source in modules.items():
        if source.startswith("VERSION 1.0 CLASS"):
            continue  # RibbonX calls macros of standard modules only
        for params, sub in ((m.group(2), m.group(1)) for m in re.finditer(
                r"^(?:Public\s+)?Sub\s+(\w+)\s*\((.*)\)\s*$", vba.branch(source, platform), re.M | re.I)):
            subs[f"{name}.{sub}"] = params
    return subs


@pytest.mark.parametrize("platform", sorted(vba.PLATFORMS))
def test_every_callback_is_a_public_sub_with_ribbonx_s_signature(ribbon, xlam, platform):
    subs = public_subs(built_modules(xlam), vba.PLATFORMS[platform])
    callbacks = [(el.get("id"), attr, value) for el in ribbon.iter() for attr, value in el.attrib.items()
                 if attr in CALLBACK_ATTRIBUTES]
    assert callbacks
    for control, attr, value in callbacks:
        assert attr in SIGNATURES, f"{control}: no signature known for {attr}"
        assert value in subs, f"{control}: {attr}={value} is no public Sub of the add-in ({platform})"
        assert re.fullmatch(SIGNATURES[attr], subs[value].strip(), re.I), f"{value}({subs[value]})"


def test_a_private_or_misnamed_callback_is_caught(xlam):
    modules = built_modules(xlam)
    modules["RelanceRibbon"] = modules["RelanceRibbon"].replace(
        "Public Sub OnRelanceButton(control As IRibbonControl)", "Private Sub OnRelanceButton(control As IRibbonControl)")
    assert "RelanceRibbon.OnRelanceButton" not in public_subs(modules, vba.WINDOWS)


def test_every_icon_is_an_excel_control_identifier(ribbon):
    known = excel_control_ids()
    icons = {el.get("id"): el.get("imageMso") for el in ribbon.iter(CUI + "button")}
    assert all(icons.values())
    assert {b: i for b, i in icons.items() if i not in known} == {}
    assert "CalendarInsert" not in known  # Outlook's: the icon Échéancier once had, blank in Excel


def test_every_tag_reaches_a_registered_action_through_the_vba_dispatcher(ribbon, xlam):
    tags = [el.get("tag") for el in ribbon.iter(CUI + "button")]
    assert sorted(tags) == sorted(ACTIONS)
    for tag in tags:  # pasted into a Python string literal by OnRelanceButton
        assert re.fullmatch(r"[a-z]+", tag), tag
    source = built_modules(xlam)["RelanceRibbon"]
    assert 'command = "import addin.ribbon; addin.ribbon.run(\'" & control.Tag & "\'"' in source
    assert 'If control.Tag = "import" Then' in source
    assert ACTIONS["import"] == "addin.actions.imports"
