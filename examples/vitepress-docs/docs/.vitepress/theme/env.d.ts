/// <reference types="@herogen/vite/client" />
