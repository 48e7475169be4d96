/*!
 * Clinic chat widget loader: the one script tag clinics paste into their pages.
 *
 *   <script>window.ClinicChatConfig = {serverUrl: "https://assistant.example:5005",
 *                                      clinicName: "Riverbend Ketamine Clinic",
 *                                      primaryColor: "#0f766e"};</script>
 *   <script src="https://assistant.example/widget/widget.js" defer></script>
 *
 * The widget itself is native ES modules in ./js/ (entry: js/main.js, no build step). This
 * classic script only adds <script type="module" src=".../widget/js/main.js"> next to itself,
 * so existing embeds keep working. Module scripts are fetched with CORS (the web server sends
 * "Access-Control-Allow-Origin: *" for the widget's files) and are allowed by the same CSP
 * source as this file (script-src must list the widget's origin, or 'self' on the server).
 */
(function () {
  "use strict";
  if (window.ClinicChat && window.ClinicChat.version) return; // already running
  var current = document.currentScript || document.querySelector('script[src*="/widget/widget.js"]');
  var self = new URL(current && current.src ? current.src : "/widget/widget.js", location.href);
  var entry = new URL("js/main.js", self).href;
  var tag = document.createElement("script");
  tag.type = "module";
  tag.src = entry;
  (document.head || document.documentElement).appendChild(tag);
})();
