"""Map rendering: the one folium map builder (service and notebooks), static images, assets.

- :mod:`api.render.mapbuilder`: ``build_map(MapConfig)``, ``render_map_page``,
  ``render_embed_page``, ``notebook_map(claims, zones)``.
- :mod:`api.render.mapdata`: the compact columnar payload maps fetch.
- :mod:`api.render.png`: the server-side PNG of a view.
- :mod:`api.render.orders`: the plain orders list.
- :mod:`api.render.assets`: self-hosted Leaflet and sitmap JS/CSS.
- :mod:`api.render.standalone`: a view written to an offline HTML file or a PNG.

Nothing is imported here, so ``import api.render`` stays cheap.
"""
