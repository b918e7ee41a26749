from addin.actions import help as help_action


def test_help_names_every_button_of_the_ribbon():
    text = help_action.run().summary
    for name in ("Actualiser", "Aperçu", "Envoyer", "Revue mensuelle", "Exporter pour le comptable", "Échéancier"):
        assert name in text
    assert "=due_date(" in text
