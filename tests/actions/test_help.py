from addin.actions import help as help_action


def test_help_names_every_button_of_the_ribbon():
    text = help_action.run().summary
    for name in ("Actualiser", "Aperçu", "Envoyer", "Revue mensuelle", "Exporter pour le comptable", "Échéancier"):
        assert name in text
    assert "=due_date(" in text


def test_help_points_to_a_guide_that_is_installed():
    from addin.actions.help import guide_path

    assert guide_path().exists() and "Excel" in guide_path().read_text(encoding="utf-8")
    assert str(guide_path()) in help_action.run().summary
