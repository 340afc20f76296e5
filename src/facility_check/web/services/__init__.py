"""Services: what the routes call. They sequence the core (``pipeline``, ``loading``,
``district``, the renderer registries) and the store; they hold no rule or score logic."""
