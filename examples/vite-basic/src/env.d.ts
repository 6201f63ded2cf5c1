/// <reference types="vite/client" />
/// <reference types="@herogen/vite/client" />
