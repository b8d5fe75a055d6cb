/* Display texts for the scripts, in the page's language: the page renders them (through the translation
   catalogue, portal/js_text.py) into <script type="application/json" id="portal-text">; scripts hold none. */
(function () {
  var texts = null;
  window.portalText = function (key, values) {
    if (texts === null) {
      var node = document.getElementById("portal-text");
      try { texts = node ? JSON.parse(node.textContent) : {}; } catch (e) { texts = {}; }
    }
    var text = Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key;
    return text.replace(/%\((\w+)\)s/g, function (match, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
    });
  };
})();
